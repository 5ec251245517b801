using System.Runtime.InteropServices;
using Google.Protobuf;
using P = global::Onnx;

namespace Pipelines.Onnx;

/// <summary>Tensor conversion: typed protobuf fields and external data are normalised to raw little-endian bytes.</summary>
internal static partial class ProtoCodec
{
    private static OnnxTensor DecodeTensor(P.TensorProto t, string baseDirectory, string source)
    {
        var type = (TensorElementType)t.DataType;
        long[] dims = t.Dims.ToArray();
        if (t.Segment is not null)
        {
            throw new OnnxFormatException($"'{source}': tensor '{t.Name}' is segmented, which Pipelines does not read.");
        }

        if (dims.Any(d => d < 0))
        {
            throw new OnnxFormatException($"'{source}': tensor '{t.Name}' has a negative dimension in dims [{string.Join(",", dims)}].");
        }

        if (!Enum.IsDefined(type) || type == TensorElementType.Undefined)
        {
            throw new OnnxFormatException($"'{source}': tensor '{t.Name}' has unsupported data_type {t.DataType}.");
        }

        long count = ElementCount(t, dims, source);
        if (type == TensorElementType.String)
        {
            if (t.StringData.Count != count)
            {
                throw new OnnxFormatException(
                    $"'{source}': tensor '{t.Name}' (String[{string.Join(",", dims)}]) has {t.StringData.Count} strings in string_data, expected {count}.");
            }

            return OnnxTensor.FromStrings(t.Name, t.StringData.Select(s => s.ToByteArray()).ToArray(), dims);
        }

        long expected = ByteCount(t, type, dims, count, source);
        byte[] raw;
        if (t.DataLocation == P.TensorProto.Types.DataLocation.External)
        {
            raw = ReadExternal(t, expected, baseDirectory, source);
        }
        else if (!t.RawData.IsEmpty)
        {
            raw = t.RawData.ToByteArray();
        }
        else
        {
            raw = TypedToRaw(t, type, source);
        }

        if (raw.LongLength != expected)
        {
            throw new OnnxFormatException(
                $"'{source}': tensor '{t.Name}' ({type}[{string.Join(",", dims)}]) has {raw.LongLength} bytes of data, expected {expected}.");
        }

        return new OnnxTensor(t.Name, type, dims, raw) { DocString = t.DocString };
    }

    /// <summary>The product of <paramref name="dims"/>, refused (naming the tensor and its dims) when it overflows.</summary>
    private static long ElementCount(P.TensorProto t, long[] dims, string source)
    {
        long n = 1;
        foreach (long d in dims)
        {
            if (d != 0 && n > long.MaxValue / d)
            {
                throw new OnnxFormatException(
                    $"'{source}': tensor '{t.Name}' has dims [{string.Join(",", dims)}], whose element count overflows a 64-bit integer.");
            }

            n *= d;
        }

        return n;
    }

    /// <summary>The tensor's size in bytes, refused when it exceeds what one array can hold.</summary>
    private static long ByteCount(P.TensorProto t, TensorElementType type, long[] dims, long count, string source)
    {
        long bytes;
        try
        {
            bytes = type.RawByteCount(count);
        }
        catch (OverflowException)
        {
            bytes = long.MaxValue;
        }

        if (bytes > Array.MaxLength)
        {
            throw new OnnxFormatException(
                $"'{source}': tensor '{t.Name}' ({type}[{string.Join(",", dims)}]) would need {(bytes == long.MaxValue ? "more than 2^63" : bytes.ToString(System.Globalization.CultureInfo.InvariantCulture))} bytes, more than one tensor can hold ({Array.MaxLength}).");
        }

        return bytes;
    }

    private static byte[] TypedToRaw(P.TensorProto t, TensorElementType type, string source)
    {
        switch (type)
        {
            case TensorElementType.Float:
                return MemoryMarshal.AsBytes(t.FloatData.ToArray().AsSpan()).ToArray();
            case TensorElementType.Double:
                return MemoryMarshal.AsBytes(t.DoubleData.ToArray().AsSpan()).ToArray();
            case TensorElementType.Int64:
                return MemoryMarshal.AsBytes(t.Int64Data.ToArray().AsSpan()).ToArray();
            case TensorElementType.UInt64:
                return MemoryMarshal.AsBytes(t.Uint64Data.ToArray().AsSpan()).ToArray();
            case TensorElementType.UInt32:
                return MemoryMarshal.AsBytes(t.Uint64Data.Select(v => (uint)v).ToArray().AsSpan()).ToArray();
            case TensorElementType.Int32:
                return MemoryMarshal.AsBytes(t.Int32Data.ToArray().AsSpan()).ToArray();
            case TensorElementType.Int8:
            case TensorElementType.UInt8:
            case TensorElementType.Bool:
                return t.Int32Data.Select(v => (byte)v).ToArray();
            case TensorElementType.Int16:
            case TensorElementType.UInt16:
            case TensorElementType.Float16:
            case TensorElementType.BFloat16:
                return MemoryMarshal.AsBytes(t.Int32Data.Select(v => (ushort)v).ToArray().AsSpan()).ToArray();
            default:
                throw new OnnxFormatException($"'{source}': tensor '{t.Name}' of type {type} stores typed data Pipelines does not read; use raw_data.");
        }
    }

    /// <summary>
    /// Reads a tensor's external data: the location must resolve (links followed) to a regular file inside the model's
    /// folder, and offset/length must select exactly <paramref name="expected"/> bytes inside it. The file type is checked
    /// before the file is opened, so a FIFO or device never blocks.
    /// </summary>
    private static byte[] ReadExternal(P.TensorProto t, long expected, string baseDirectory, string source)
    {
        string? location = null;
        long offset = 0;
        long? length = null;
        foreach (P.StringStringEntryProto kv in t.ExternalData)
        {
            switch (kv.Key)
            {
                case "location": location = kv.Value; break;
                case "offset": offset = ParseExternalField(t, kv, source); break;
                case "length": length = ParseExternalField(t, kv, source); break;
                default: break;
            }
        }

        if (string.IsNullOrEmpty(location) || Path.IsPathRooted(location) || location.Contains("..", StringComparison.Ordinal)
            || location.Contains('\0', StringComparison.Ordinal))
        {
            throw new OnnxFormatException($"'{source}': tensor '{t.Name}' has an invalid external data location '{location}'.");
        }

        string folder;
        string path;
        try
        {
            folder = ExternalDataFile.RealPath(baseDirectory);
            path = ExternalDataFile.RealPath(Path.Combine(baseDirectory, location));
        }
        catch (IOException e)
        {
            throw new OnnxFormatException($"'{source}': tensor '{t.Name}' has external data location '{location}' that cannot be resolved: {e.Message}", e);
        }

        if (!ExternalDataFile.IsInside(path, folder))
        {
            throw new OnnxFormatException(
                $"'{source}': tensor '{t.Name}' has external data location '{location}', which resolves to '{path}', outside the model folder '{folder}'.");
        }

        ExternalDataFile.Kind kind = ExternalDataFile.KindOf(path);
        if (kind == ExternalDataFile.Kind.Missing)
        {
            throw new OnnxFormatException($"'{source}': external data file '{path}' for tensor '{t.Name}' does not exist.");
        }

        if (kind != ExternalDataFile.Kind.Regular)
        {
            throw new OnnxFormatException(
                $"'{source}': tensor '{t.Name}' has external data location '{location}', which is {ExternalDataFile.Describe(kind)}, not a regular file.");
        }

        long fileLength = new FileInfo(path).Length;
        if (offset > fileLength)
        {
            throw new OnnxFormatException(
                $"'{source}': tensor '{t.Name}' has external data offset {offset}, past the end of '{path}' ({fileLength} bytes).");
        }

        long available = fileLength - offset;
        if (length is long given && given > available)
        {
            throw new OnnxFormatException(
                $"'{source}': tensor '{t.Name}' has external data offset {offset} and length {given}, past the end of '{path}' ({fileLength} bytes).");
        }

        long actual = length ?? available;
        if (actual != expected)
        {
            throw new OnnxFormatException(
                $"'{source}': tensor '{t.Name}' has external data length {actual} in '{path}', but its type and dims need {expected} bytes.");
        }

        byte[] data = new byte[expected];
        if (expected == 0)
        {
            return data;
        }

        try
        {
            using Microsoft.Win32.SafeHandles.SafeFileHandle handle = File.OpenHandle(path, FileMode.Open, FileAccess.Read, FileShare.Read);
            int read = 0;
            while (read < data.Length)
            {
                int n = RandomAccess.Read(handle, data.AsSpan(read), offset + read);
                if (n == 0)
                {
                    throw new EndOfStreamException($"'{path}' ended after {offset + read} bytes.");
                }

                read += n;
            }
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new OnnxFormatException($"'{source}': tensor '{t.Name}' cannot read its external data from '{path}': {e.Message}", e);
        }

        return data;
    }

    /// <summary>An external-data offset or length: a non-negative decimal integer, or an error naming tensor, field and value.</summary>
    private static long ParseExternalField(P.TensorProto t, P.StringStringEntryProto kv, string source)
    {
        if (!long.TryParse(kv.Value, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out long value))
        {
            throw new OnnxFormatException(
                $"'{source}': tensor '{t.Name}' has external data {kv.Key} '{kv.Value}', which is not a non-negative integer below 2^63.");
        }

        return value;
    }

    private static P.TensorProto EncodeTensor(OnnxTensor t, ExternalDataWriter? external)
    {
        var p = new P.TensorProto { Name = t.Name, DataType = (int)t.ElementType, DocString = t.DocString };
        p.Dims.AddRange(t.Dims);
        if (t.StringData is not null)
        {
            p.StringData.AddRange(t.StringData.Select(ByteString.CopyFrom));
        }
        else if (external is not null && t.RawData.LongLength >= external.Threshold)
        {
            long offset = external.Add(t.RawData);
            p.DataLocation = P.TensorProto.Types.DataLocation.External;
            p.ExternalData.Add(new P.StringStringEntryProto { Key = "location", Value = external.Location });
            p.ExternalData.Add(new P.StringStringEntryProto { Key = "offset", Value = offset.ToString(System.Globalization.CultureInfo.InvariantCulture) });
            p.ExternalData.Add(new P.StringStringEntryProto { Key = "length", Value = t.RawData.LongLength.ToString(System.Globalization.CultureInfo.InvariantCulture) });
        }
        else
        {
            p.RawData = UnsafeByteOperations.UnsafeWrap(t.RawData);
        }

        return p;
    }
}

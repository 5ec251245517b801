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
            throw new OnnxFormatException($"'{source}': tensor '{t.Name}' has a negative dimension [{string.Join(",", dims)}].");
        }

        if (type == TensorElementType.String)
        {
            return OnnxTensor.FromStrings(t.Name, t.StringData.Select(s => s.ToByteArray()).ToArray(), dims);
        }

        if (!Enum.IsDefined(type) || type == TensorElementType.Undefined)
        {
            throw new OnnxFormatException($"'{source}': tensor '{t.Name}' has unsupported data_type {t.DataType}.");
        }

        byte[] raw;
        if (t.DataLocation == P.TensorProto.Types.DataLocation.External)
        {
            raw = ReadExternal(t, baseDirectory, source);
        }
        else if (!t.RawData.IsEmpty)
        {
            raw = t.RawData.ToByteArray();
        }
        else
        {
            raw = TypedToRaw(t, type, source);
        }

        long expected = type.RawByteCount(OnnxTensor.ElementCountOf(dims));
        if (raw.LongLength != expected)
        {
            throw new OnnxFormatException(
                $"'{source}': tensor '{t.Name}' ({type}[{string.Join(",", dims)}]) has {raw.LongLength} bytes of data, expected {expected}.");
        }

        return new OnnxTensor(t.Name, type, dims, raw) { DocString = t.DocString };
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

    private static byte[] ReadExternal(P.TensorProto t, string baseDirectory, string source)
    {
        string? location = null;
        long offset = 0;
        long length = -1;
        foreach (P.StringStringEntryProto kv in t.ExternalData)
        {
            switch (kv.Key)
            {
                case "location": location = kv.Value; break;
                case "offset": offset = long.Parse(kv.Value, System.Globalization.CultureInfo.InvariantCulture); break;
                case "length": length = long.Parse(kv.Value, System.Globalization.CultureInfo.InvariantCulture); break;
                default: break;
            }
        }

        if (string.IsNullOrEmpty(location) || Path.IsPathRooted(location) || location.Contains("..", StringComparison.Ordinal))
        {
            throw new OnnxFormatException($"'{source}': tensor '{t.Name}' has an invalid external data location '{location}'.");
        }

        string path = Path.Combine(baseDirectory, location);
        if (!File.Exists(path))
        {
            throw new OnnxFormatException($"'{source}': external data file '{path}' for tensor '{t.Name}' does not exist.");
        }

        using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read);
        if (length < 0)
        {
            length = stream.Length - offset;
        }

        if (offset < 0 || offset + length > stream.Length)
        {
            throw new OnnxFormatException(
                $"'{source}': tensor '{t.Name}' reads bytes {offset}..{offset + length} of '{path}', which has {stream.Length}.");
        }

        byte[] data = new byte[length];
        stream.Position = offset;
        stream.ReadExactly(data);
        return data;
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

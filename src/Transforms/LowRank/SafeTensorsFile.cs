using System.Buffers.Binary;
using System.Runtime.InteropServices;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Pipelines.Numerics.LinearAlgebra;
using Pipelines.Onnx;

namespace Pipelines.Transforms.LowRank;

/// <summary>
/// Reads and writes float32 tensors in the safetensors layout (huggingface/safetensors): an 8-byte little-endian
/// header length N, N bytes of JSON <c>{"name": {"dtype": "F32", "shape": [..], "data_offsets": [begin, end]}, ...,
/// "__metadata__": {string: string}}</c>, then the row-major little-endian data. Writes are atomic.
/// </summary>
internal static class SafeTensorsFile
{
    /// <summary>Writes <paramref name="tensors"/> (name → row-major matrix) with string metadata.</summary>
    /// <param name="path">The file.</param>
    /// <param name="tensors">Name → row-major matrix.</param>
    /// <param name="metadata">String metadata (<c>__metadata__</c>), or null.</param>
    /// <param name="vectors">Names of 1×n matrices written as 1-D tensors of shape [n] (e.g. DoRA's magnitude vectors).</param>
    public static void Write(string path, IReadOnlyList<KeyValuePair<string, Matrix>> tensors, IReadOnlyDictionary<string, string>? metadata = null, IReadOnlySet<string>? vectors = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        ArgumentNullException.ThrowIfNull(tensors);
        var header = new JsonObject();
        if (metadata is { Count: > 0 })
        {
            var meta = new JsonObject();
            foreach (KeyValuePair<string, string> kv in metadata)
            {
                meta[kv.Key] = kv.Value;
            }

            header["__metadata__"] = meta;
        }

        long offset = 0;
        foreach (KeyValuePair<string, Matrix> kv in tensors)
        {
            long bytes = (long)kv.Value.Data.Length * sizeof(float);
            header[kv.Key] = new JsonObject
            {
                ["dtype"] = "F32",
                ["shape"] = vectors is not null && vectors.Contains(kv.Key) && kv.Value.Rows == 1 ? new JsonArray(kv.Value.Cols) : new JsonArray(kv.Value.Rows, kv.Value.Cols),
                ["data_offsets"] = new JsonArray(offset, offset + bytes),
            };
            offset += bytes;
        }

        byte[] json = Encoding.UTF8.GetBytes(header.ToJsonString());
        int padded = (json.Length + 7) / 8 * 8;
        AtomicFile.Write(path, stream =>
        {
            Span<byte> len = stackalloc byte[8];
            BinaryPrimitives.WriteUInt64LittleEndian(len, (ulong)padded);
            stream.Write(len);
            stream.Write(json);
            for (int i = json.Length; i < padded; i++)
            {
                stream.WriteByte((byte)' ');
            }

            foreach (KeyValuePair<string, Matrix> kv in tensors)
            {
                stream.Write(MemoryMarshal.AsBytes(kv.Value.Data.AsSpan()));
            }
        });
    }

    /// <summary>The largest header accepted (the safetensors reference implementation's limit is 100 MB).</summary>
    internal const long MaxHeaderBytes = 100L * 1024 * 1024;

    /// <summary>Reads every tensor (1-D tensors become 1×n) and the metadata.</summary>
    /// <remarks>
    /// Strict: the header length must fit the file, the header must be a JSON object whose entries have a string
    /// <c>dtype</c> (F32), an integer array <c>shape</c> and a two-integer <c>data_offsets</c> with
    /// 0 ≤ begin ≤ end ≤ data size; the shape's product (checked) times 4 must equal end − begin; tensors must not
    /// overlap. Every failure names the file, the tensor and the field.
    /// </remarks>
    /// <exception cref="DataFormatException">The file is not a float32 safetensors file; the message names the file and tensor.</exception>
    public static (Dictionary<string, Matrix> Tensors, Dictionary<string, string> Metadata) Read(string path)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        byte[] all;
        using (var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read))
        {
            if (stream.Length > Array.MaxLength)
            {
                throw new DataFormatException(path, $"the file is {stream.Length} bytes; safetensors files over {Array.MaxLength} bytes are not supported.");
            }

            all = new byte[stream.Length];
            stream.ReadExactly(all);
        }

        if (all.Length < 8)
        {
            throw new DataFormatException(path, $"the file is {all.Length} bytes, too short to be a safetensors file (an 8-byte header length comes first).");
        }

        ulong n = BinaryPrimitives.ReadUInt64LittleEndian(all);
        if (n > (ulong)(all.Length - 8))
        {
            throw new DataFormatException(path, $"header length {n} exceeds the {all.Length - 8} bytes after the length field.");
        }

        if (n > MaxHeaderBytes)
        {
            throw new DataFormatException(path, $"header length {n} exceeds the limit of {MaxHeaderBytes} bytes.");
        }

        if (!System.Text.Unicode.Utf8.IsValid(all.AsSpan(8, (int)n)))
        {
            throw new DataFormatException(path, "the header is not valid UTF-8.");
        }

        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(all.AsMemory(8, (int)n));
        }
        catch (JsonException e)
        {
            throw new DataFormatException(path, 0, $"the header is not JSON ({e.Message}).", 0, e);
        }

        int dataStart = 8 + (int)n;
        long dataLength = all.Length - dataStart;
        var tensors = new Dictionary<string, Matrix>(StringComparer.Ordinal);
        var metadata = new Dictionary<string, string>(StringComparer.Ordinal);
        var ranges = new List<(long Begin, long End, string Name)>();
        var seen = new HashSet<string>(StringComparer.Ordinal);
        using (document)
        {
            if (document.RootElement.ValueKind != JsonValueKind.Object)
            {
                throw new DataFormatException(path, $"the header is a JSON {document.RootElement.ValueKind}, not an object.");
            }

            foreach (JsonProperty property in document.RootElement.EnumerateObject())
            {
                if (!seen.Add(property.Name))
                {
                    throw new DataFormatException(path, $"tensor '{property.Name}' appears twice in the header.");
                }

                if (property.Name == "__metadata__")
                {
                    ReadMetadata(path, property.Value, metadata);
                    continue;
                }

                TensorEntry entry = ReadEntry(path, property.Name, property.Value, dataLength);
                ranges.Add((entry.Begin, entry.End, property.Name));
                int rows = entry.Shape.Length == 2 ? (int)entry.Shape[0] : 1;
                int cols = entry.Shape.Length == 2 ? (int)entry.Shape[1] : (int)entry.Count;
                float[] data = MemoryMarshal.Cast<byte, float>(all.AsSpan(dataStart + (int)entry.Begin, (int)(entry.End - entry.Begin))).ToArray();
                tensors[property.Name] = new Matrix(rows, cols, data);
            }
        }

        ranges.Sort((x, y) => x.Begin != y.Begin ? x.Begin.CompareTo(y.Begin) : x.End.CompareTo(y.End));
        for (int i = 1; i < ranges.Count; i++)
        {
            if (ranges[i].Begin < ranges[i - 1].End)
            {
                throw new DataFormatException(path, $"tensor '{ranges[i].Name}': data_offsets [{ranges[i].Begin}, {ranges[i].End}) overlap tensor '{ranges[i - 1].Name}' [{ranges[i - 1].Begin}, {ranges[i - 1].End}).");
            }
        }

        return (tensors, metadata);
    }

    private readonly record struct TensorEntry(long[] Shape, long Count, long Begin, long End);

    private static void ReadMetadata(string path, JsonElement node, Dictionary<string, string> metadata)
    {
        if (node.ValueKind != JsonValueKind.Object)
        {
            throw new DataFormatException(path, $"field '__metadata__' is a JSON {node.ValueKind}, not an object of strings.");
        }

        foreach (JsonProperty m in node.EnumerateObject())
        {
            metadata[m.Name] = m.Value.ValueKind == JsonValueKind.String
                ? m.Value.GetString()!
                : throw new DataFormatException(path, $"field '__metadata__.{m.Name}' is a JSON {m.Value.ValueKind}, not a string.");
        }
    }

    private static TensorEntry ReadEntry(string path, string name, JsonElement info, long dataLength)
    {
        if (info.ValueKind != JsonValueKind.Object)
        {
            throw new DataFormatException(path, $"tensor '{name}': the entry is a JSON {info.ValueKind}, not an object.");
        }

        string dtype = info.TryGetProperty("dtype", out JsonElement d) && d.ValueKind == JsonValueKind.String
            ? d.GetString()!
            : throw new DataFormatException(path, $"tensor '{name}': field 'dtype' is missing or not a string.");
        if (dtype != "F32")
        {
            throw new DataFormatException(path, $"tensor '{name}': field 'dtype' is {dtype}; only F32 is supported.");
        }

        long[] shape = Integers(path, name, "shape", info);
        long[] offsets = Integers(path, name, "data_offsets", info);
        if (shape.Length is < 1 or > 2)
        {
            throw new DataFormatException(path, $"tensor '{name}': field 'shape' has {shape.Length} dimensions; 1 or 2 are supported.");
        }

        if (offsets.Length != 2)
        {
            throw new DataFormatException(path, $"tensor '{name}': field 'data_offsets' has {offsets.Length} values, expected [begin, end].");
        }

        long count = 1;
        foreach (long dim in shape)
        {
            if (dim < 0)
            {
                throw new DataFormatException(path, $"tensor '{name}': field 'shape' [{string.Join(",", shape)}] has a negative dimension.");
            }

            // count·dim·4 must stay representable: refuse before it can overflow.
            if (dim != 0 && count > long.MaxValue / sizeof(float) / dim)
            {
                throw new DataFormatException(path, $"tensor '{name}': field 'shape' [{string.Join(",", shape)}] has more elements than any file can hold.");
            }

            count *= dim;
        }

        long begin = offsets[0], end = offsets[1];
        if (begin < 0 || end < begin || end > dataLength)
        {
            throw new DataFormatException(path, $"tensor '{name}': field 'data_offsets' [{begin}, {end}) is not inside the data section [0, {dataLength}).");
        }

        if (end - begin != count * sizeof(float))
        {
            throw new DataFormatException(path, $"tensor '{name}': field 'data_offsets' [{begin}, {end}) holds {end - begin} bytes but field 'shape' [{string.Join(",", shape)}] needs {count * sizeof(float)} (F32).");
        }

        if (count > Array.MaxLength || shape.Any(dim => dim > int.MaxValue))
        {
            throw new DataFormatException(path, $"tensor '{name}': field 'shape' [{string.Join(",", shape)}] is too large for one matrix.");
        }

        return new TensorEntry(shape, count, begin, end);
    }

    private static long[] Integers(string path, string name, string field, JsonElement info)
    {
        if (!info.TryGetProperty(field, out JsonElement array) || array.ValueKind != JsonValueKind.Array)
        {
            throw new DataFormatException(path, $"tensor '{name}': field '{field}' is missing or not an array of integers.");
        }

        var values = new long[array.GetArrayLength()];
        int i = 0;
        foreach (JsonElement v in array.EnumerateArray())
        {
            if (v.ValueKind != JsonValueKind.Number || !v.TryGetInt64(out long value))
            {
                string text = v.GetRawText();
                throw new DataFormatException(path, $"tensor '{name}': field '{field}' value {(text.Length > 40 ? text[..40] + "…" : text)} at index {i} is not an integer in range.");
            }

            values[i++] = value;
        }

        return values;
    }
}

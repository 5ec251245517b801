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
    public static void Write(string path, IReadOnlyList<KeyValuePair<string, Matrix>> tensors, IReadOnlyDictionary<string, string>? metadata = null)
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
                ["shape"] = new JsonArray(kv.Value.Rows, kv.Value.Cols),
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

    /// <summary>Reads every tensor (1-D tensors become 1×n) and the metadata.</summary>
    /// <exception cref="DataFormatException">The file is not a float32 safetensors file; the message names the file and tensor.</exception>
    public static (Dictionary<string, Matrix> Tensors, Dictionary<string, string> Metadata) Read(string path)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        byte[] all = File.ReadAllBytes(path);
        if (all.Length < 8)
        {
            throw new DataFormatException($"'{path}' is too short to be a safetensors file.");
        }

        ulong n = BinaryPrimitives.ReadUInt64LittleEndian(all);
        if (n > (ulong)(all.Length - 8))
        {
            throw new DataFormatException($"'{path}': header length {n} exceeds the file size {all.Length}.");
        }

        JsonObject header;
        try
        {
            header = JsonNode.Parse(all.AsSpan(8, (int)n))?.AsObject() ?? throw new DataFormatException($"'{path}': empty header.");
        }
        catch (JsonException e)
        {
            throw new DataFormatException($"'{path}': header is not JSON ({e.Message}).", e);
        }

        int dataStart = 8 + (int)n;
        var tensors = new Dictionary<string, Matrix>(StringComparer.Ordinal);
        var metadata = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (KeyValuePair<string, JsonNode?> kv in header)
        {
            if (kv.Key == "__metadata__")
            {
                foreach (KeyValuePair<string, JsonNode?> m in kv.Value!.AsObject())
                {
                    metadata[m.Key] = m.Value?.GetValue<string>() ?? "";
                }

                continue;
            }

            JsonObject info = kv.Value!.AsObject();
            string dtype = info["dtype"]!.GetValue<string>();
            if (dtype != "F32")
            {
                throw new DataFormatException($"'{path}': tensor '{kv.Key}' is {dtype}; only F32 is supported.");
            }

            long[] shape = info["shape"]!.AsArray().Select(d => d!.GetValue<long>()).ToArray();
            long begin = info["data_offsets"]![0]!.GetValue<long>();
            long end = info["data_offsets"]![1]!.GetValue<long>();
            long count = shape.Aggregate(1L, (a, b) => a * b);
            if (end - begin != count * sizeof(float) || dataStart + end > all.Length)
            {
                throw new DataFormatException($"'{path}': tensor '{kv.Key}' offsets [{begin}, {end}) do not match shape [{string.Join(",", shape)}] or the file size.");
            }

            int rows = shape.Length == 2 ? (int)shape[0] : 1;
            int cols = shape.Length == 2 ? (int)shape[1] : (int)count;
            float[] data = MemoryMarshal.Cast<byte, float>(all.AsSpan(dataStart + (int)begin, (int)(end - begin))).ToArray();
            tensors[kv.Key] = new Matrix(rows, cols, data);
        }

        return (tensors, metadata);
    }
}

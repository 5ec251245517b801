using System.Security.Cryptography;
using System.Text;
using Pipelines.Onnx;

namespace Pipelines.Trainers;

/// <summary>
/// Reads and writes training checkpoints, format version 1 (docs/formats/checkpoint.md). All integers little-endian:
/// <code>
/// magic     8 bytes  "PLTRCKPT"
/// version   int32    1
/// step      int64
/// seed      int64
/// nMeta     int32, then nMeta × (key string, value string)     string = int32 byte length + UTF-8
/// nTensors  int32, then nTensors × (name string, elementType int32 (ONNX code), rank int32, dims rank × int64,
///                                    byteLength int64, raw little-endian bytes)
/// sha256    32 bytes over everything before it
/// </code>
/// Writes are atomic (temporary file, then rename).
/// </summary>
public static class CheckpointFile
{
    /// <summary>The version this code writes.</summary>
    public const int Version = 1;

    private static readonly byte[] s_magic = "PLTRCKPT"u8.ToArray();

    /// <summary>Writes <paramref name="checkpoint"/> to <paramref name="path"/> atomically.</summary>
    public static void Save(TrainingCheckpoint checkpoint, string path)
    {
        ArgumentNullException.ThrowIfNull(checkpoint);
        ArgumentException.ThrowIfNullOrEmpty(path);
        using var body = new MemoryStream();
        using (var w = new BinaryWriter(body, Encoding.UTF8, leaveOpen: true))
        {
            w.Write(s_magic);
            w.Write(Version);
            w.Write(checkpoint.Step);
            w.Write(checkpoint.Seed);
            w.Write(checkpoint.Metadata.Count);
            foreach (KeyValuePair<string, string> kv in checkpoint.Metadata.OrderBy(k => k.Key, StringComparer.Ordinal))
            {
                WriteString(w, kv.Key);
                WriteString(w, kv.Value);
            }

            w.Write(checkpoint.State.Count);
            foreach (OnnxTensor t in checkpoint.State)
            {
                WriteString(w, t.Name);
                w.Write((int)t.ElementType);
                w.Write(t.Dims.Length);
                foreach (long d in t.Dims)
                {
                    w.Write(d);
                }

                w.Write(t.RawData.LongLength);
                w.Write(t.RawData);
            }
        }

        byte[] hash = SHA256.HashData(body.GetBuffer().AsSpan(0, (int)body.Length));
        AtomicFile.Write(path, s =>
        {
            s.Write(body.GetBuffer(), 0, (int)body.Length);
            s.Write(hash);
        });
    }

    /// <summary>Reads a checkpoint.</summary>
    /// <exception cref="DataFormatException">Not a checkpoint, an unknown version, truncated or corrupted (hash mismatch).</exception>
    public static TrainingCheckpoint Load(string path)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        byte[] bytes = File.ReadAllBytes(path);
        if (bytes.Length < s_magic.Length + 4 + 32 || !bytes.AsSpan(0, s_magic.Length).SequenceEqual(s_magic))
        {
            throw new DataFormatException($"'{path}' is not a training checkpoint (bad magic).");
        }

        int version = BitConverter.ToInt32(bytes, s_magic.Length);
        if (version != Version)
        {
            throw new DataFormatException($"Checkpoint '{path}' has format version {version}; this build reads version {Version}.");
        }

        byte[] expected = SHA256.HashData(bytes.AsSpan(0, bytes.Length - 32));
        if (!expected.AsSpan().SequenceEqual(bytes.AsSpan(bytes.Length - 32)))
        {
            throw new DataFormatException($"Checkpoint '{path}' is corrupted (SHA-256 mismatch).");
        }

        try
        {
            using var r = new BinaryReader(new MemoryStream(bytes, 0, bytes.Length - 32), Encoding.UTF8);
            r.ReadBytes(s_magic.Length);
            r.ReadInt32();
            long step = r.ReadInt64();
            long seed = r.ReadInt64();
            int nMeta = Count(r, r.ReadInt32(), 8, "metadata entries");
            var meta = new Dictionary<string, string>(StringComparer.Ordinal);
            for (int i = 0; i < nMeta; i++)
            {
                string key = ReadString(r);
                meta[key] = ReadString(r);
            }

            int nTensors = Count(r, r.ReadInt32(), 24, "tensors");
            var tensors = new List<OnnxTensor>(nTensors);
            for (int i = 0; i < nTensors; i++)
            {
                string name = ReadString(r);
                var type = (TensorElementType)r.ReadInt32();
                int rank = Count(r, r.ReadInt32(), 8, $"dimensions of tensor '{name}'");
                long[] dims = new long[rank];
                for (int k = 0; k < rank; k++)
                {
                    dims[k] = r.ReadInt64();
                }

                long length = Count(r, r.ReadInt64(), 1, $"bytes of tensor '{name}'");
                byte[] raw = r.ReadBytes((int)length);
                tensors.Add(new OnnxTensor(name, type, dims, raw));
            }

            return new TrainingCheckpoint(step, seed, tensors, meta);
        }
        catch (Exception e) when (e is EndOfStreamException or ArgumentException or OverflowException or NotSupportedException)
        {
            throw new DataFormatException($"Checkpoint '{path}' is malformed: {e.Message}", e);
        }
    }

    private static void WriteString(BinaryWriter w, string s)
    {
        byte[] b = Encoding.UTF8.GetBytes(s);
        w.Write(b.Length);
        w.Write(b);
    }

    // A count read from the file, refused unless its items (at least itemBytes each) fit in the bytes left: nothing is
    // allocated from an unchecked count.
    private static int Count(BinaryReader r, long count, int itemBytes, string what)
    {
        long left = r.BaseStream.Length - r.BaseStream.Position;
        return count >= 0 && count <= left / itemBytes
            ? (int)count
            : throw new EndOfStreamException($"{count} {what} do not fit in the {left} bytes left.");
    }

    private static string ReadString(BinaryReader r)
    {
        int n = Count(r, r.ReadInt32(), 1, "string bytes");
        return Encoding.UTF8.GetString(r.ReadBytes(n));
    }
}

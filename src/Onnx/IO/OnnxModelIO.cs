using Google.Protobuf;

namespace Pipelines.Onnx;

/// <summary>Reads and writes ONNX model files (including external-data initializers); every write is atomic.</summary>
public static class OnnxModelIO
{
    /// <summary>Largest single protobuf message the format allows.</summary>
    private const long ProtobufLimit = int.MaxValue;

    /// <summary>Loads a model file; external data is read from the file's folder.</summary>
    /// <exception cref="FileNotFoundException">The file does not exist.</exception>
    /// <exception cref="OnnxFormatException">The file is not a readable ONNX model; the message names the file and the problem.</exception>
    public static OnnxModel Load(string path)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        if (!File.Exists(path))
        {
            throw new FileNotFoundException($"ONNX model file '{path}' does not exist.", path);
        }

        byte[] bytes = File.ReadAllBytes(path);
        return Decode(bytes, Path.GetDirectoryName(Path.GetFullPath(path)) ?? ".", path);
    }

    /// <summary>Reads a model from bytes (external data, if any, resolved against <paramref name="baseDirectory"/>).</summary>
    public static OnnxModel FromBytes(byte[] bytes, string? baseDirectory = null)
    {
        ArgumentNullException.ThrowIfNull(bytes);
        return Decode(bytes, baseDirectory ?? Directory.GetCurrentDirectory(), "<bytes>");
    }

    /// <summary>Reads a model from a stream.</summary>
    public static OnnxModel FromStream(Stream stream, string? baseDirectory = null)
    {
        ArgumentNullException.ThrowIfNull(stream);
        using var ms = new MemoryStream();
        stream.CopyTo(ms);
        return FromBytes(ms.ToArray(), baseDirectory);
    }

    /// <summary>Serializes a model with all data inline.</summary>
    public static byte[] ToBytes(OnnxModel model)
    {
        ArgumentNullException.ThrowIfNull(model);
        return ProtoCodec.Encode(model, external: null).ToByteArray();
    }

    /// <summary>Serializes a model with all data inline to <paramref name="stream"/> (the bytes of <see cref="ToBytes"/>, without holding them).</summary>
    internal static void WriteTo(OnnxModel model, Stream stream)
    {
        ArgumentNullException.ThrowIfNull(model);
        ProtoCodec.Encode(model, external: null).WriteTo(stream);
    }

    /// <summary>Writes a model atomically: a temporary file in the same folder, then a rename over the target.</summary>
    /// <param name="model">The model.</param>
    /// <param name="path">The target file.</param>
    /// <param name="options">External-data layout; <see langword="null"/> writes everything inline.</param>
    public static void Save(OnnxModel model, string path, OnnxSaveOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentException.ThrowIfNullOrEmpty(path);
        options ??= new OnnxSaveOptions();
        long total = model.Graph.Initializers.Sum(t => t.ByteCount);
        if (options.ExternalDataThreshold is null && total >= ProtobufLimit)
        {
            throw new OnnxFormatException(
                $"Model for '{path}' holds {total} bytes of initializers, over protobuf's 2 GiB limit; set OnnxSaveOptions.ExternalDataThreshold.");
        }

        if (options.ExternalDataThreshold is long threshold)
        {
            string dataName = options.ExternalDataFileName ?? Path.GetFileName(path) + ".data";
            string dataPath = Path.Combine(Path.GetDirectoryName(Path.GetFullPath(path)) ?? ".", dataName);
            var writer = new ExternalDataWriter(dataName, threshold);
            var proto = ProtoCodec.Encode(model, writer);
            AtomicFile.Write(dataPath, writer.WriteTo);
            AtomicFile.Write(path, s => proto.WriteTo(s));
        }
        else
        {
            var proto = ProtoCodec.Encode(model, external: null);
            AtomicFile.Write(path, s => proto.WriteTo(s));
        }
    }

    private static OnnxModel Decode(byte[] bytes, string baseDirectory, string source)
    {
        if (bytes.Length == 0)
        {
            throw new OnnxFormatException($"'{source}' is empty, not an ONNX model.");
        }

        global::Onnx.ModelProto proto;
        try
        {
            proto = global::Onnx.ModelProto.Parser.ParseFrom(bytes);
        }
        catch (InvalidProtocolBufferException e)
        {
            throw new OnnxFormatException($"'{source}' is not a valid ONNX model: the protobuf data is malformed or truncated ({e.Message}).", e);
        }

        if (proto.Graph is null || (proto.Graph.Node.Count == 0 && proto.Graph.Output.Count == 0))
        {
            throw new OnnxFormatException($"'{source}' is not an ONNX model: it has no graph.");
        }

        if (proto.IrVersion <= 0)
        {
            throw new OnnxFormatException($"'{source}' is not an ONNX model: ir_version is {proto.IrVersion}.");
        }

        try
        {
            return ProtoCodec.Decode(proto, baseDirectory, source);
        }
        catch (ArgumentException e)
        {
            // The model classes' own invariants (names, shapes): a file that breaks them is a format error, not a bug.
            throw new OnnxFormatException($"'{source}' is not a valid ONNX model: {e.Message}", e);
        }
    }
}

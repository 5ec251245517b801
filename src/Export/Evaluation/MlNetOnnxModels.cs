using System.IO.Compression;
using Microsoft.ML;

namespace Pipelines.Export.Evaluation;

/// <summary>
/// Gets the ONNX model inside a fitted ML.NET pipeline whose transformer came from <c>ApplyOnnxModel</c> (the way this
/// project's ONNX-backed estimators persist), so it can be merged, quantized and exported. ML.NET keeps the model bytes in
/// its zip as a binary stream named <c>OnnxModel</c> (a length-prefixed byte array); this reads them back from a save.
/// </summary>
internal static class MlNetOnnxModels
{
    /// <summary>The ONNX models of every ONNX transformer in <paramref name="transformer"/>, in pipeline order.</summary>
    /// <param name="context">The ML context.</param>
    /// <param name="transformer">A fitted transformer or chain containing at least one <c>OnnxTransformer</c>.</param>
    /// <param name="inputSchema">The schema the transformer was fitted on (as for <c>Model.Save</c>).</param>
    /// <exception cref="InvalidOperationException">No ONNX model is inside.</exception>
    public static IReadOnlyList<OnnxModel> Extract(MLContext context, ITransformer transformer, DataViewSchema inputSchema)
    {
        ArgumentNullException.ThrowIfNull(context);
        ArgumentNullException.ThrowIfNull(transformer);
        using var stream = new MemoryStream();
        context.Model.Save(transformer, inputSchema, stream);
        stream.Position = 0;
        using var zip = new ZipArchive(stream, ZipArchiveMode.Read);
        var models = new List<OnnxModel>();
        foreach (ZipArchiveEntry entry in zip.Entries.Where(e => e.Name == "OnnxModel").OrderBy(e => e.FullName, StringComparer.Ordinal))
        {
            using Stream s = entry.Open();
            using var copy = new MemoryStream();
            s.CopyTo(copy);
            byte[] bytes = copy.ToArray();
            models.Add(Parse(bytes, entry.FullName));
        }

        if (models.Count == 0)
        {
            throw new InvalidOperationException(
                $"The transformer ({transformer.GetType().Name}) holds no ONNX model: export works on pipelines whose transformers come from ApplyOnnxModel.");
        }

        return models;
    }

    private static OnnxModel Parse(byte[] bytes, string entry)
    {
        // BinaryWriter.WriteByteArray: a 32-bit length, then the bytes (older writers: 64-bit length).
        foreach (int prefix in new[] { 4, 8, 0 })
        {
            if (bytes.Length <= prefix)
            {
                continue;
            }

            long declared = prefix == 4 ? BitConverter.ToInt32(bytes, 0) : prefix == 8 ? BitConverter.ToInt64(bytes, 0) : bytes.Length;
            if (declared != bytes.Length - prefix)
            {
                continue;
            }

            return OnnxModelIO.FromBytes(bytes.AsSpan(prefix).ToArray());
        }

        throw new OnnxFormatException($"ML.NET entry '{entry}' does not hold a length-prefixed ONNX model ({bytes.Length} bytes).");
    }
}

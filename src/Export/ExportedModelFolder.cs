using System.Globalization;
using Pipelines.Export.Report;

namespace Pipelines.Export;

/// <summary>
/// The manifest of an exported model folder (<see cref="ModelFolder"/>): the source's vocabulary (never substituted),
/// the export format, the base-model hash carried from the source folder, and the report's size, fidelity, latency and
/// accuracy figures.
/// </summary>
public static class ExportedModelFolder
{
    /// <summary>Copies the vocabulary into <paramref name="directory"/>, which already holds <c>model.onnx</c>, and writes <c>pipelines.json</c> last.</summary>
    /// <param name="directory">The output folder.</param>
    /// <param name="source">The folder (or file) the model was exported from.</param>
    /// <param name="vocabularyPath">The vocabulary the exported model reads with, or null for a model without text inputs.</param>
    /// <param name="format">The export format as given (e.g. <c>int4</c>).</param>
    /// <param name="result">The export result.</param>
    /// <param name="report">The fidelity report, or null when none was made.</param>
    /// <returns>The manifest as written.</returns>
    public static ModelManifest WriteManifest(string directory, ModelFolder source, string? vocabularyPath, string format, ExportResult result, ExportReport? report)
    {
        ArgumentException.ThrowIfNullOrEmpty(directory);
        ArgumentNullException.ThrowIfNull(source);
        ArgumentNullException.ThrowIfNull(result);
        TokenizerManifest? tokenizer = vocabularyPath is null ? null
            : ModelFolder.CopyVocabulary(vocabularyPath, directory, source.Manifest?.Tokenizer?.LowerCase ?? true, source.Manifest?.Tokenizer?.MaxLength);
        var metrics = new Dictionary<string, double>();
        if (report is not null)
        {
            metrics["bytes"] = report.Bytes;
            metrics["mean_cosine"] = report.MeanCosine;
            metrics["latency_ms_b1"] = report.LatencyMsB1;
            if (report.Accuracy is double accuracy)
            {
                metrics["accuracy"] = accuracy;
            }

            if (report.FloatAccuracy is double floatAccuracy)
            {
                metrics["float_accuracy"] = floatAccuracy;
            }
        }

        return ModelFolder.Write(directory, new ModelManifest
        {
            Producer = "export",
            Options = new Dictionary<string, string> { ["quantize"] = format, ["merged_adapters"] = result.Merged.Count.ToString(CultureInfo.InvariantCulture) },
            BaseModelSha256 = source.Manifest?.BaseModelSha256 ?? ModelFolder.Sha256File(source.ModelPath),
            Tokenizer = tokenizer,
            Metrics = metrics,
        });
    }
}

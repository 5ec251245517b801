using Microsoft.ML;

namespace Pipelines.Trainers.TextClassification.MLNet;

/// <summary>Catalog entry of <see cref="AdapterFineTuningEstimator"/>.</summary>
public static class AdapterFineTuningCatalog
{
    /// <summary>
    /// Fine-tunes a text encoder ONNX model for sentence classification with LoRA-family adapters (LoRA, PiSSA, MiLoRA,
    /// OLoRA, EVA, LoRA-GA) or fully, and returns an ONNX-backed transformer predicting <c>Score</c> and <c>PredictedLabel</c>.
    /// </summary>
    /// <param name="catalog">The multiclass trainers catalog.</param>
    /// <param name="options">Columns, encoder files and fine-tuning options.</param>
    public static AdapterFineTuningEstimator AdapterFineTuning(this MulticlassClassificationCatalog.MulticlassClassificationTrainers catalog, AdapterFineTuningOptions options)
    {
        ArgumentNullException.ThrowIfNull(catalog);
        ArgumentNullException.ThrowIfNull(options);

        // CatalogUtils.GetEnvironment is internal and the trainers catalog exposes no MLContext, so the inner transforms
        // are built with a fresh context (they carry no state of the caller's).
        return new AdapterFineTuningEstimator(new MLContext(), options);
    }
}

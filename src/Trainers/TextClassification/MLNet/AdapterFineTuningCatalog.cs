using Microsoft.ML;
using Pipelines.Trainers.TextClassification;
using Pipelines.Trainers.TextClassification.MLNet;
using Pipelines.Transforms.LowRank;

namespace Pipelines;

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

    /// <summary>
    /// Fine-tunes a text encoder for two-class sentence classification (<see cref="FineTuneOptions.ClassCount"/> = 2, a
    /// Boolean or 0/1 label) and returns an ONNX-backed transformer predicting ML.NET's binary columns <c>Score</c> (logit
    /// margin), <c>Probability</c> and <c>PredictedLabel</c> (Boolean), as <c>BinaryClassification.Evaluate</c> reads them.
    /// </summary>
    /// <param name="catalog">The binary trainers catalog.</param>
    /// <param name="options">Columns, encoder files and fine-tuning options.</param>
    public static AdapterFineTuningEstimator AdapterFineTuning(this BinaryClassificationCatalog.BinaryClassificationTrainers catalog, AdapterFineTuningOptions options)
    {
        ArgumentNullException.ThrowIfNull(catalog);
        ArgumentNullException.ThrowIfNull(options);
        return new AdapterFineTuningEstimator(new MLContext(), options, binary: true);
    }

    /// <summary>
    /// Fine-tunes the encoder at <paramref name="modelPath"/> with the defaults of <see cref="FineTuneOptions.Defaults"/>
    /// (the flat form of the options overload; label and text columns in ML.NET's order).
    /// </summary>
    /// <param name="catalog">The multiclass trainers catalog.</param>
    /// <param name="modelPath">The encoder ONNX file (inputs input_ids, attention_mask[, token_type_ids]).</param>
    /// <param name="vocabPath">Its WordPiece <c>vocab.txt</c>.</param>
    /// <param name="labelColumnName">The label column (integer classes from 0).</param>
    /// <param name="textColumnName">The text column.</param>
    /// <param name="method">The adapter method (or <see cref="LowRankMethod.Full"/>).</param>
    /// <param name="rank">The adapter rank r.</param>
    /// <param name="epochs">Passes over the data.</param>
    public static AdapterFineTuningEstimator AdapterFineTuning(
        this MulticlassClassificationCatalog.MulticlassClassificationTrainers catalog,
        string modelPath,
        string vocabPath,
        string labelColumnName = "Label",
        string textColumnName = "Text",
        LowRankMethod method = FineTuneOptions.Defaults.Method,
        int rank = FineTuneOptions.Defaults.Rank,
        int epochs = FineTuneOptions.Defaults.Epochs) =>
        catalog.AdapterFineTuning(new AdapterFineTuningOptions
        {
            ModelPath = modelPath,
            VocabPath = vocabPath,
            LabelColumnName = labelColumnName,
            TextColumnName = textColumnName,
            FineTune = new FineTuneOptions { Method = method, Rank = rank, Epochs = epochs, LearningRate = FineTuneOptions.Defaults.For(method) },
        });
}

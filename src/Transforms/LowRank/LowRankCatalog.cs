using Microsoft.ML;
using Pipelines.Transforms.LowRank;

namespace Pipelines;

/// <summary>
/// Catalog entry: <c>mlContext.Transforms.LowRank.InitializeAdapters(options)</c>.
/// </summary>
public static class LowRankCatalog
{
    extension(TransformsCatalog catalog)
    {
        /// <summary>The LoRA-initialisation transforms.</summary>
        public LowRankTransforms LowRank => new(catalog);
    }
}

/// <summary>LoRA initialisers on ONNX models (PiSSA, PiSSA-fast, MiLoRA, OLoRA, LoRA, EVA).</summary>
public sealed class LowRankTransforms
{
    private readonly TransformsCatalog _catalog;

    internal LowRankTransforms(TransformsCatalog catalog) => _catalog = catalog;

    /// <summary>An estimator that initialises adapters on the model in <paramref name="options"/> and scores with the adapted model.</summary>
    public LowRankAdapterEstimator InitializeAdapters(LowRankAdapterOptions options) => new(_catalog, options);

    /// <summary>
    /// An estimator over <paramref name="modelPath"/> with input/output columns named like the ONNX inputs/outputs.
    /// </summary>
    public LowRankAdapterEstimator InitializeAdapters(
        string modelPath, string[] inputColumnNames, string[] outputColumnNames,
        LowRankMethod method = LowRankOptions.Defaults.Method, int rank = LowRankOptions.Defaults.Rank, float? alpha = null) =>
        new(_catalog, new LowRankAdapterOptions
        {
            ModelPath = modelPath,
            InputColumnNames = inputColumnNames,
            OutputColumnNames = outputColumnNames,
            Initialization = new LowRankOptions { Method = method, Rank = rank, Alpha = alpha },
        });
}

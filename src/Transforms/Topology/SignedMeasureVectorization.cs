using Pipelines.Transforms.Topology.Data;

namespace Pipelines.Transforms.Topology;

/// <summary>How far a batched featurisation is.</summary>
/// <param name="Done">Rows featurised so far.</param>
/// <param name="Total">Rows in all.</param>
public readonly record struct FeaturizationProgress(int Done, int Total);

/// <summary>The outcome of <see cref="SignedMeasureVectorization.Run"/>.</summary>
/// <param name="Transformer">The transformer fitted on the data set (saveable).</param>
/// <param name="Features">One feature vector per row, in row order.</param>
public sealed record SignedMeasureFeatures(SignedMeasureTransformer Transformer, IReadOnlyList<float[]> Features);

/// <summary>
/// The vectorization use case behind <c>pipelines topo vectorize</c>: fit the signed-measure grids on a data set, then
/// featurise every row in parallel batches with progress.
/// </summary>
public static class SignedMeasureVectorization
{
    /// <summary>Fits on <paramref name="data"/> and featurises all its rows.</summary>
    /// <param name="data">The data set.</param>
    /// <param name="options">The options (e.g. <see cref="BifiltrationPreset.CreateOptions"/> with the grid and vectorizer set).</param>
    /// <param name="progress">Receives the rows done, once per batch.</param>
    /// <param name="cancellationToken">Stops between batches.</param>
    /// <returns>The transformer and the features.</returns>
    public static SignedMeasureFeatures Run(TopologyDataset data, SignedMeasureOptions options, IProgress<FeaturizationProgress>? progress = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(data);
#pragma warning disable CA2000 // returned to the caller in the record (no scoring chain is built here)
        SignedMeasureTransformer transformer = SignedMeasureTransformer.Fit(options, data.Rows);
#pragma warning restore CA2000
        return new SignedMeasureFeatures(transformer, transformer.FeaturizeMany(data.Rows, progress, cancellationToken));
    }
}

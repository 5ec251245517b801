using Pipelines.Transforms.Topology;

namespace Pipelines;

/// <summary>Adds <c>ModuleApproximation</c> (MMA features) to <see cref="TopologyTransforms"/>.</summary>
public static class MmaCatalogExtensions
{
    extension(TopologyTransforms topology)
    {
        /// <summary>MMA features (module approximation of a bifiltration, vectorized as kernel images or landscapes) from an options record.</summary>
        /// <param name="options">Options.</param>
        /// <returns>The estimator.</returns>
        public MmaEstimator ModuleApproximation(MmaOptions options) => new(options);

        /// <summary>MMA features with defaults: δ = 0.05 on the fitted unit square, H0..H1, a 10 × 10 kernel image (σ = 0.1) per degree.</summary>
        /// <param name="outputColumnName">Output column (fixed-length vector of Single).</param>
        /// <param name="input">Point cloud, time series or graph input.</param>
        /// <param name="inputColumnName">Input column; defaults to <paramref name="outputColumnName"/>.</param>
        /// <param name="vectorizer">Kernel image or landscapes.</param>
        /// <param name="precision">δ, the line spacing in unit-square units.</param>
        /// <returns>The estimator.</returns>
        public MmaEstimator ModuleApproximation(string outputColumnName, TopologyInput input, string? inputColumnName = null, MmaVectorizer vectorizer = MmaOptions.Defaults.Vectorizer, float precision = MmaOptions.Defaults.Precision) =>
            new(new MmaOptions { OutputColumnName = outputColumnName, InputColumnName = inputColumnName, Input = input, Vectorizer = vectorizer, Precision = precision });
    }
}

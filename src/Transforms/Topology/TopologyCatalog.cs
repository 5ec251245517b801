using Microsoft.ML;
using Pipelines.Transforms.Topology;

namespace Pipelines;

/// <summary>Persistent-homology transforms: <c>mlContext.Transforms.Topology.SignedMeasure(…)</c>, <c>….ModuleApproximation(…)</c>, <c>….DiagramRepresentation(…)</c>.</summary>
public sealed class TopologyTransforms
{
    internal TopologyTransforms(TransformsCatalog catalog) => Catalog = catalog;

    /// <summary>Gets the ML.NET transforms catalog this hangs off.</summary>
    public TransformsCatalog Catalog { get; }

    /// <summary>Signed-measure features (Hilbert or Euler measure, or rank signed barcode, of a bifiltration, vectorized) from an options record.</summary>
    /// <param name="options">Options.</param>
    /// <returns>The estimator.</returns>
    public SignedMeasureEstimator SignedMeasure(SignedMeasureOptions options) => new(options);

    /// <summary>Signed-measure features with defaults: Hilbert measure of H0..H1 on a 30×30 regular grid, Gaussian convolution on 16×16.</summary>
    /// <param name="outputColumnName">Output column (fixed-length vector of Single).</param>
    /// <param name="input">Point cloud, time series or graph input.</param>
    /// <param name="inputColumnName">Input column; defaults to <paramref name="outputColumnName"/>.</param>
    /// <param name="invariant">Hilbert, Euler or rank.</param>
    /// <param name="vectorizer">Convolution or sliced Wasserstein.</param>
    /// <returns>The estimator.</returns>
    public SignedMeasureEstimator SignedMeasure(string outputColumnName, TopologyInput input, string? inputColumnName = null, SignedMeasureInvariant invariant = SignedMeasureOptions.Defaults.Invariant, SignedMeasureVectorizer vectorizer = SignedMeasureOptions.Defaults.Vectorizer) =>
        new(new SignedMeasureOptions { OutputColumnName = outputColumnName, InputColumnName = inputColumnName, Input = input, Invariant = invariant, Vectorizer = vectorizer });

    /// <summary>A one-parameter representation of persistence diagrams (image, landscape, Betti curve, silhouette, entropy) from an options record.</summary>
    /// <param name="options">Options.</param>
    /// <returns>The estimator.</returns>
    public DiagramRepresentationEstimator DiagramRepresentation(DiagramRepresentationOptions options) => new(options);

    /// <summary>A one-parameter representation of persistence diagrams with default sizes (r = 20, K = 5, σ = 0.1).</summary>
    /// <param name="outputColumnName">Output column (fixed-length vector of Single).</param>
    /// <param name="representation">The representation.</param>
    /// <param name="inputColumnName">Input column of (birth, death) pairs; defaults to <paramref name="outputColumnName"/>.</param>
    /// <returns>The estimator.</returns>
    public DiagramRepresentationEstimator DiagramRepresentation(string outputColumnName, DiagramRepresentation representation, string? inputColumnName = null) =>
        new(new DiagramRepresentationOptions { OutputColumnName = outputColumnName, InputColumnName = inputColumnName, Representation = representation });

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

/// <summary>Adds <c>Topology</c> to <see cref="TransformsCatalog"/>.</summary>
public static class TopologyCatalogExtensions
{
    extension(TransformsCatalog catalog)
    {
        /// <summary>Gets the persistent-homology transforms.</summary>
        public TopologyTransforms Topology => new(catalog);
    }
}

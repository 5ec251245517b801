using Pipelines.Numerics.Graphs;
using Pipelines.Onnx;
using Pipelines.Transforms.Graphs.Spe;
using Pipelines.Transforms.Topology;

namespace Pipelines.Transforms.Graphs;

/// <summary>Per-node encodings of many graphs: one row-major <c>(n_g, Width)</c> array per graph.</summary>
/// <param name="Rows">One array per graph, <c>n_g · Width</c> values, node-major.</param>
/// <param name="Width">Encoding width per node.</param>
/// <param name="Cut">What eigengap truncation dropped (null for encodings without a spectrum).</param>
public sealed record NodeEncodingTable(IReadOnlyList<double[]> Rows, int Width, SpectrumCut? Cut = null);

/// <summary>
/// The node-encoding use case behind <c>pipelines graph encode</c>: LapPE or RWSE computed directly, or SPE through
/// φ/ρ parameters learned by a graph model.
/// </summary>
public static class GraphNodeEncodings
{
    /// <summary>Computes a fixed (not learned) encoding for every graph.</summary>
    /// <param name="graphs">The graphs.</param>
    /// <param name="encoding">A <see cref="LapPeEncoding"/> or <see cref="RwseEncoding"/>.</param>
    /// <returns>The encodings.</returns>
    /// <param name="budget">Work budget per graph, checked before the work starts (null: <see cref="EncodingBudget.Default"/>).</param>
    /// <param name="progress">Receives the graphs done so far.</param>
    /// <param name="cancellationToken">Stops between graphs (<see cref="OperationCanceledException"/>).</param>
    /// <exception cref="ArgumentException"><paramref name="encoding"/> is learned (SPE) or empty.</exception>
    /// <exception cref="PipelinesException">Kind <see cref="ErrorKind.Resource"/>: a graph's encoding would exceed <paramref name="budget"/>.</exception>
    public static NodeEncodingTable Compute(
        IReadOnlyList<Graph> graphs, GraphEncoding encoding, EncodingBudget? budget = null, IProgress<FeaturizationProgress>? progress = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(graphs);
        ArgumentNullException.ThrowIfNull(encoding);
        if (encoding is not (LapPeEncoding or RwseEncoding))
        {
            throw new ArgumentException($"Encoding '{encoding.Name}' is not a fixed encoding; SPE needs its learned parameters.", nameof(encoding));
        }

        PrecomputedEncoding[] pre = PrecomputedEncoding.ComputeMany(graphs, encoding, budget: budget, progress: progress, cancellationToken: cancellationToken);
        SpectrumCut? cut = encoding is LapPeEncoding ? SpectrumCut.Of(pre.Select(p => p.Spectrum)) : null;
        return new NodeEncodingTable(pre.Select(p => p.Fixed!.Select(x => (double)x).ToArray()).ToArray(), encoding.Width, cut);
    }

    /// <summary>Computes SPE for every graph with learned φ/ρ (e.g. a trained graph model's).</summary>
    /// <param name="graphs">The graphs.</param>
    /// <param name="encoding">The SPE configuration the parameters were trained with.</param>
    /// <param name="parameters">The learned φ/ρ.</param>
    /// <param name="cancellationToken">Stops between graphs' spectra (<see cref="OperationCanceledException"/>).</param>
    /// <returns>The encodings (width <see cref="SpeOptions.OutputSize"/>).</returns>
    public static NodeEncodingTable Compute(IReadOnlyList<Graph> graphs, SpeEncoding encoding, SpeParameters parameters, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(graphs);
        ArgumentNullException.ThrowIfNull(encoding);
        ArgumentNullException.ThrowIfNull(parameters);
        var structures = graphs.Select(g => g.ToStructure()).ToList();
        Spectrum[] spectra = LaplacianSpectrum.ComputeMany(structures, encoding.SpectrumOptions, cancellationToken: cancellationToken);
        using var encoder = new SpeEncoder(parameters, TensorElementType.Float);
        return new NodeEncodingTable(encoder.Encode(structures, spectra, encoding.K), encoding.SpeOptions.OutputSize, SpectrumCut.Of(spectra));
    }
}

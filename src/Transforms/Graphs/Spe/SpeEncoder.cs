using Microsoft.ML.OnnxRuntime;
using Pipelines.Numerics.Graphs;
using Pipelines.Onnx;
using Pipelines.Onnx.Runtime;

namespace Pipelines.Transforms.Graphs.Spe;

/// <summary>
/// Evaluates a SPE encoder model with ONNX Runtime (eval mode: no dropout, no batch statistics). Owns its session.
/// </summary>
public sealed class SpeEncoder : IDisposable
{
    private readonly OnnxSession _session;

    /// <summary>Creates an encoder for <paramref name="parameters"/> in the given precision.</summary>
    public SpeEncoder(SpeParameters parameters, TensorElementType elementType = TensorElementType.Float, SessionSettings? settings = null)
    {
        ArgumentNullException.ThrowIfNull(parameters);
        Parameters = parameters;
        ElementType = elementType;
        _session = OrtSessions.Create(SpeGraph.CreateEncoderModel(parameters, elementType, exposeSpectralTensor: true), settings);
    }

    /// <summary>The parameters of φ and ρ.</summary>
    public SpeParameters Parameters { get; }

    /// <summary>Float or Double.</summary>
    public TensorElementType ElementType { get; }

    /// <summary>
    /// Encodes graphs in batches of <paramref name="batchSize"/>; returns each graph's row-major <c>(n, p)</c> encoding.
    /// Graphs are batched in order of node count (less padding: the ρ tensor is O(B·N²)); results follow input order.
    /// </summary>
    public double[][] Encode(IReadOnlyList<GraphStructure> graphs, IReadOnlyList<Spectrum> spectra, int k, int batchSize = 64)
    {
        ArgumentNullException.ThrowIfNull(graphs);
        ArgumentNullException.ThrowIfNull(spectra);
        ArgumentOutOfRangeException.ThrowIfLessThan(batchSize, 1);
        int[] order = Enumerable.Range(0, graphs.Count).OrderBy(i => graphs[i].NodeCount).ThenBy(i => i).ToArray();
        var result = new double[graphs.Count][];
        for (int start = 0; start < graphs.Count; start += batchSize)
        {
            int[] idx = order.Skip(start).Take(batchSize).ToArray();
            using SpeBatch batch = SpeBatch.Create(
                idx.Select(i => graphs[i]).ToList(), idx.Select(i => spectra[i]).ToList(), k, Parameters.Options.ColumnScope);
            double[][] part = RunCore(batch, withSpectralTensor: false, out _);
            for (int r = 0; r < idx.Length; r++)
            {
                result[idx[r]] = part[r];
            }
        }

        return result;
    }

    /// <summary>Runs one batch; returns each graph's <c>(n, p)</c> encoding and the raw <c>(B, m, N, N)</c> spectral tensor.</summary>
    public double[][] Run(SpeBatch batch, out double[] spectralTensor)
    {
        ArgumentNullException.ThrowIfNull(batch);
        double[][] result = RunCore(batch, withSpectralTensor: true, out double[]? w);
        spectralTensor = w!;
        return result;
    }

    private double[][] RunCore(SpeBatch batch, bool withSpectralTensor, out double[]? spectralTensor)
    {
        using TensorBatch inputs = batch.AddTensors(new TensorBatch(), ElementType);
        using IDisposableReadOnlyCollection<OrtValue> outputs =
            _session.Run(inputs, withSpectralTensor ? [SpeTensorNames.Encoding, SpeTensorNames.SpectralTensor] : [SpeTensorNames.Encoding]);
        double[] pe = Read(outputs[0]);
        spectralTensor = withSpectralTensor ? Read(outputs[1]) : null;
        int p = Parameters.Options.OutputSize;
        int n = batch.MaxNodes;
        var result = new double[batch.BatchSize][];
        for (int g = 0; g < batch.BatchSize; g++)
        {
            result[g] = pe.AsSpan(g * n * p, batch.NodeCounts[g] * p).ToArray();
        }

        return result;
    }

    /// <inheritdoc />
    public void Dispose() => _session.Dispose();

    private double[] Read(OrtValue value) => ElementType == TensorElementType.Double
        ? value.GetTensorDataAsSpan<double>().ToArray()
        : value.GetTensorDataAsSpan<float>().ToArray().Select(x => (double)x).ToArray();
}

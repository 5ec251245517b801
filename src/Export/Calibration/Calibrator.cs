using Pipelines.Export.Quantization;
using Pipelines.Onnx.Runtime;

namespace Pipelines.Export.Calibration;

/// <summary>
/// Collects activation ranges by running the float model over sample inputs with the activations of interest exposed as
/// extra outputs. <see cref="CalibrationMethod.MinMax"/> keeps the extremes; <see cref="CalibrationMethod.Percentile"/> keeps
/// the lower/upper percentiles of a deterministic strided sample (at most <see cref="SampleCap"/> values per activation).
/// </summary>
public static class Calibrator
{
    /// <summary>Values kept per activation for percentiles.</summary>
    public const int SampleCap = 1 << 18;

    /// <summary>The inputs and outputs of every MatMul whose B is a 2-D float initializer (what int8-qdq quantizes).</summary>
    public static IReadOnlyList<string> MatMulActivations(OnnxModel model)
    {
        ArgumentNullException.ThrowIfNull(model);
        var inits = model.Graph.InitializerMap();
        var names = new List<string>();
        foreach (OnnxNode n in model.Graph.Nodes)
        {
            if (n.OpType == "MatMul" && n.Domain.Length == 0 && inits.TryGetValue(n.Inputs[1], out OnnxTensor? w) && WeightMatrix.IsFloatMatrix(w))
            {
                names.Add(n.Inputs[0]);
                names.Add(n.Outputs[0]);
            }
        }

        return names.Distinct(StringComparer.Ordinal).ToList();
    }

    /// <summary>Calibrates the ranges of <paramref name="activations"/> (default: <see cref="MatMulActivations"/>).</summary>
    /// <param name="model">The float model.</param>
    /// <param name="batches">Sample inputs (a few dozen real examples are typical).</param>
    /// <param name="method">Min-max or percentile.</param>
    /// <param name="percentile">The upper percentile for <see cref="CalibrationMethod.Percentile"/> (e.g. 99.99).</param>
    /// <param name="activations">Value names to calibrate.</param>
    public static ActivationRanges Calibrate(OnnxModel model, IReadOnlyList<TensorBatch> batches, CalibrationMethod method = CalibrationMethod.MinMax,
        double percentile = 99.99, IReadOnlyList<string>? activations = null)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(batches);
        if (batches.Count == 0)
        {
            throw new ArgumentException("Calibration needs at least one batch of sample inputs.", nameof(batches));
        }

        IReadOnlyList<string> targets = activations ?? MatMulActivations(model);
        var stats = targets.ToDictionary(t => t, _ => new Statistic(), StringComparer.Ordinal);
        ActivationProbe.Run(model, targets, batches, (_, results) =>
        {
            for (int i = 0; i < targets.Count; i++)
            {
                stats[targets[i]].Add(results[i].GetTensorDataAsSpan<float>(), method == CalibrationMethod.Percentile);
            }
        });

        return new ActivationRanges(stats.ToDictionary(kv => kv.Key, kv => kv.Value.Range(method, percentile), StringComparer.Ordinal));
    }

    private sealed class Statistic
    {
        private readonly List<float> _samples = [];
        private float _min;
        private float _max;

        public void Add(ReadOnlySpan<float> values, bool keepSamples)
        {
            foreach (float v in values)
            {
                _min = MathF.Min(_min, v);
                _max = MathF.Max(_max, v);
            }

            if (keepSamples)
            {
                int stride = Math.Max(1, values.Length / (SampleCap / 8));
                for (int i = 0; i < values.Length && _samples.Count < SampleCap; i += stride)
                {
                    _samples.Add(values[i]);
                }
            }
        }

        public ActivationRange Range(CalibrationMethod method, double percentile)
        {
            if (method == CalibrationMethod.MinMax || _samples.Count == 0)
            {
                return new ActivationRange(_min, _max);
            }

            _samples.Sort();
            float Quantile(double p) => _samples[(int)Math.Clamp(Math.Round(p / 100 * (_samples.Count - 1)), 0, _samples.Count - 1)];
            return new ActivationRange(MathF.Min(0, Quantile(100 - percentile)), MathF.Max(0, Quantile(percentile)));
        }
    }
}

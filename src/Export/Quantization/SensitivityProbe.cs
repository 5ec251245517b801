using Pipelines.Export.Calibration;
using Pipelines.Onnx.Runtime;
using Pipelines.Onnx.Text;

namespace Pipelines.Export.Quantization;

/// <summary>
/// Data-free sensitivity of a text encoder to the 4-bit error of each MatMul weight: the model is run on synthetic token
/// sequences (ids drawn uniformly from the vocabulary with a fixed seed; no sample inputs) once in float and once per weight with
/// only that weight replaced by its dequantized 4-bit codes; the sensitivity is <c>1 − mean cos</c> between the mean-pooled
/// first outputs. One ORT session serves all runs (the probed weights are graph inputs).
/// </summary>
/// <remarks>
/// On all-MiniLM-L6-v2 the probe's per-weight ranking follows the one measured on SST-2 sentences (benchmarks/Quantization,
/// <c>--probe</c>); the errors of one-at-a-time perturbations add up to within a few % of the whole-model error.
/// </remarks>
public static class SensitivityProbe
{
    /// <summary>Probe shape and seed.</summary>
    public static class Defaults
    {
        /// <summary>Synthetic sequences.</summary>
        public const int Sequences = 16;

        /// <summary>Tokens per sequence.</summary>
        public const int Length = 32;

        /// <summary>Seed of the token ids.</summary>
        public const int Seed = 18;
    }

    private static readonly SessionSettings s_settings = new() { Optimization = GraphOptimization.All, IntraOpThreads = 1, InterOpThreads = 1 };

    /// <summary>The embedding table read by <c>input_ids</c> (its row count is the vocabulary size), or null when the model has none.</summary>
    public static OnnxTensor? VocabularyTable(OnnxModel model)
    {
        ArgumentNullException.ThrowIfNull(model);
        if (!model.Graph.RuntimeInputs().Any(i => i.Name == BertInputs.InputIds))
        {
            return null;
        }

        Dictionary<string, OnnxTensor> inits = model.Graph.InitializerMap();
        return model.Graph.Nodes
            .Where(n => n.OpType == "Gather" && n.Inputs.Count > 1 && n.Inputs[1] == BertInputs.InputIds && inits.ContainsKey(n.Inputs[0]))
            .Select(n => inits[n.Inputs[0]]).FirstOrDefault(WeightMatrix.IsFloatMatrix);
    }

    /// <summary>True when <paramref name="model"/> can be probed: it reads int64 <c>input_ids</c> through an embedding table.</summary>
    public static bool CanProbe(OnnxModel model) => VocabularyTable(model) is not null;

    /// <summary>
    /// <c>1 − mean cos</c> to the float model when only that weight is replaced, for each named MatMul weight <c>W[K, N]</c>
    /// (by name), with <paramref name="degrade"/> giving the replacement of a row-major weight.
    /// </summary>
    /// <param name="model">The float model (not modified).</param>
    /// <param name="weights">Initializer names of 2-D float weights.</param>
    /// <param name="degrade">The perturbed copy of a weight: (name, values, rows, cols) → values.</param>
    /// <param name="sequences">Synthetic sequences.</param>
    /// <param name="length">Tokens per sequence.</param>
    /// <param name="seed">Seed of the token ids.</param>
    /// <exception cref="ArgumentException">The model cannot be probed (<see cref="CanProbe"/>).</exception>
    public static IReadOnlyDictionary<string, double> Measure(
        OnnxModel model, IReadOnlyList<string> weights, Func<string, float[], int, int, float[]> degrade,
        int sequences = Defaults.Sequences, int length = Defaults.Length, int seed = Defaults.Seed)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(weights);
        ArgumentNullException.ThrowIfNull(degrade);
        if (!CanProbe(model))
        {
            throw new ArgumentException("The model has no int64 input_ids read by an embedding table; the sensitivity probe needs one.", nameof(model));
        }

        OnnxModel copy = model.Clone();
        Dictionary<string, OnnxTensor> inits = copy.Graph.InitializerMap();
        using TensorBatch batch = SyntheticTokens.Uniform(sequences, length, seed).Batches(copy, sequences)[0];
        var originals = new Dictionary<string, float[]>(StringComparer.Ordinal);
        foreach (string name in weights.Distinct())
        {
            OnnxTensor t = inits[name];
            float[] values = t.ToArray<float>();
            originals[name] = values;
            batch.Add(name, (float[])values.Clone(), t.Dims);
            copy.Graph.Initializers.Remove(t);
            copy.Graph.Inputs.Add(new ValueInfo(name, TensorType.Of(TensorElementType.Float, [.. t.Dims.Select(d => (Dim)d)])));
        }

        using OnnxSession session = OrtSessions.Create(copy, s_settings);
        string output = session.Session.OutputNames[0];
        List<float[]> reference = Pooled(session, batch, output);
        var result = new Dictionary<string, double>(StringComparer.Ordinal);
        foreach ((string name, float[] values) in originals)
        {
            OnnxTensor t = inits[name];
            float[] live = batch.Get<float>(name);
            degrade(name, values, (int)t.Dims[0], (int)t.Dims[1]).CopyTo(live, 0);
            List<float[]> perturbed = Pooled(session, batch, output);
            values.CopyTo(live, 0);
            double cos = 0;
            for (int i = 0; i < reference.Count; i++)
            {
                cos += Cosine(reference[i], perturbed[i]);
            }

            result[name] = 1 - (cos / reference.Count);
        }

        return result;
    }

    /// <summary>The output per sequence, mean-pooled over axis 1 when it is <c>[B, S, D]</c>, else flattened per row.</summary>
    private static List<float[]> Pooled(OnnxSession session, TensorBatch batch, string output)
    {
        (float[] data, long[] shape) = session.RunFloat(batch, [output])[output];
        int rows = (int)shape[0];
        int perRow = data.Length / rows;
        int d = shape.Length == 3 ? (int)shape[2] : perRow;
        var result = new List<float[]>(rows);
        for (int r = 0; r < rows; r++)
        {
            var v = new float[d];
            for (int i = 0; i < perRow; i++)
            {
                v[i % d] += data[(r * perRow) + i];
            }

            result.Add(v);
        }

        return result;
    }

    private static double Cosine(float[] a, float[] b)
    {
        double ab = 0, aa = 0, bb = 0;
        for (int i = 0; i < a.Length; i++)
        {
            ab += a[i] * (double)b[i];
            aa += a[i] * (double)a[i];
            bb += b[i] * (double)b[i];
        }

        return aa == 0 || bb == 0 ? 1 : ab / Math.Sqrt(aa * bb);
    }
}

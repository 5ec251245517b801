using Pipelines.Onnx;

namespace Pipelines.Trainers;

/// <summary>How the up-projection B of an inserted adapter starts.</summary>
public enum AdapterInit
{
    /// <summary>B = 0, so the adapted model starts equal to the base model (LoRA's default).</summary>
    ZeroB,

    /// <summary>B random like A (non-zero start; useful to test that gradients reach A).</summary>
    RandomB,
}

/// <summary>Options of <see cref="LowRankAdapters.Insert"/>.</summary>
/// <param name="Rank">r, the adapter rank.</param>
/// <param name="Alpha">α; the adapter output is scaled by α / r.</param>
/// <param name="Seed">Seed of A's (and B's) random initial values.</param>
/// <param name="Init">How B starts.</param>
public sealed record LowRankAdapterOptions(int Rank = 8, double Alpha = 16, int Seed = 0, AdapterInit Init = AdapterInit.ZeroB);

/// <summary>One inserted adapter: y = x·W + (α/r)·(x·A)·B with A [in, r] and B [r, out].</summary>
/// <param name="Weight">The adapted weight initializer W [in, out].</param>
/// <param name="A">The down-projection initializer name.</param>
/// <param name="B">The up-projection initializer name.</param>
public sealed record LowRankAdapter(string Weight, string A, string B);

/// <summary>
/// Inserts LoRA-style low-rank adapters (Hu et al., 2021) beside MatMul weights of a forward graph, as new
/// initializers that <see cref="TrainingGraphBuilder"/> can train while the base weights stay frozen.
/// </summary>
public static class LowRankAdapters
{
    /// <summary>
    /// Returns a copy of <paramref name="model"/> where every MatMul reading one of <paramref name="weights"/> as its
    /// second input computes y = x·W + (α/r)·(x·A)·B. A is uniform in ±1/√in (Kaiming-uniform with a = √5, as PEFT).
    /// </summary>
    /// <exception cref="ArgumentException">A weight is not a 2-D float initializer consumed as MatMul input B.</exception>
    public static (OnnxModel Model, IReadOnlyList<LowRankAdapter> Adapters) Insert(OnnxModel model, IEnumerable<string> weights, LowRankAdapterOptions options)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(weights);
        ArgumentNullException.ThrowIfNull(options);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(options.Rank);
        OnnxModel copy = model.Clone();
        OnnxGraph g = copy.Graph;
        var b = new GraphBuilder(g);
        var rng = new Random(options.Seed);
        Dictionary<string, OnnxTensor> inits = g.InitializerMap();
        var adapters = new List<LowRankAdapter>();
        float scale = (float)(options.Alpha / options.Rank);
        foreach (string w in weights)
        {
            if (!inits.TryGetValue(w, out OnnxTensor? tensor) || tensor.Dims.Length != 2 || tensor.ElementType is not (TensorElementType.Float or TensorElementType.Double))
            {
                throw new ArgumentException($"'{w}' is not a 2-D Float/Double initializer of graph '{g.Name}'.", nameof(weights));
            }

            List<OnnxNode> users = [.. g.Nodes.Where(n => n.OpType == "MatMul" && n.Inputs.Count == 2 && n.Inputs[1] == w)];
            if (users.Count == 0)
            {
                throw new ArgumentException($"Initializer '{w}' is not the second input of any MatMul.", nameof(weights));
            }

            long inF = tensor.Dims[0], outF = tensor.Dims[1];
            double bound = 1 / Math.Sqrt(inF);
            string a = b.Initializer(Random(tensor.ElementType, w + ".lora_A", rng, bound, inF, options.Rank));
            string up = b.Initializer(options.Init == AdapterInit.ZeroB
                ? Random(tensor.ElementType, w + ".lora_B", null, 0, options.Rank, outF)
                : Random(tensor.ElementType, w + ".lora_B", rng, bound, options.Rank, outF));
            string scaleName = b.Scalar(scale, tensor.ElementType, w + ".lora_scale");
            foreach (OnnxNode node in users)
            {
                string y = node.Outputs[0];
                string baseOut = b.UniqueName(y + ".base");
                node.Outputs[0] = baseOut;
                string x = node.Inputs[0];
                string delta = b.Op("Mul", b.Op("MatMul", b.Op("MatMul", x, a), up), scaleName);
                g.Nodes.Add(new OnnxNode("Add", [baseOut, delta], [y], b.UniqueName(node.Name + ".lora_add")));
            }

            adapters.Add(new LowRankAdapter(w, a, up));
        }

        GraphTopology.Sort(g);
        return (copy, adapters);
    }

    private static OnnxTensor Random(TensorElementType type, string name, Random? rng, double bound, long rows, long cols)
    {
        int n = checked((int)(rows * cols));
        double[] values = new double[n];
        if (rng is not null)
        {
            for (int i = 0; i < n; i++)
            {
                values[i] = ((rng.NextDouble() * 2) - 1) * bound;
            }
        }

        return type == TensorElementType.Double
            ? OnnxTensor.FromDoubles(name, values, rows, cols)
            : OnnxTensor.FromFloats(name, [.. values.Select(v => (float)v)], rows, cols);
    }
}

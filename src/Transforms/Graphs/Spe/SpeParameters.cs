using Pipelines.Onnx;

namespace Pipelines.Transforms.Graphs.Spe;

/// <summary>One named parameter tensor (row-major float32).</summary>
/// <param name="Name">Initializer name, e.g. <c>spe.rho.1.w0</c>.</param>
/// <param name="Data">Values.</param>
/// <param name="Shape">Shape.</param>
public sealed record ParameterTensor(string Name, float[] Data, long[] Shape);

/// <summary>
/// The parameters of φ and ρ, named as the graph's initializers (prefix <c>spe.</c>), with a seeded initialisation:
/// weights uniform in <c>±√(6/(fan_in+fan_out))</c> (Glorot), biases uniform in <c>±1/√fan_in</c> (PyTorch's
/// <c>Linear</c> default), GIN ε zero; BatchNorm (when <see cref="SpeOptions.Normalization"/> asks for it) γ = 1, β = 0
/// and running statistics 0 and 1 (<see cref="BatchNormNames"/>; the running ones are carried, not trained).
/// </summary>
public sealed class SpeParameters
{
    private readonly Dictionary<string, ParameterTensor> _tensors = new(StringComparer.Ordinal);

    private SpeParameters(SpeOptions options) => Options = options;

    /// <summary>The options these parameters were made for.</summary>
    public SpeOptions Options { get; }

    /// <summary>All tensors, in creation order.</summary>
    public IReadOnlyList<ParameterTensor> Tensors => [.. _tensors.Values];

    /// <summary>Total number of scalar parameters.</summary>
    public long Count => _tensors.Values.Sum(t => (long)t.Data.Length);

    /// <summary>The tensor named <paramref name="name"/>.</summary>
    public ParameterTensor this[string name] => _tensors.TryGetValue(name, out ParameterTensor? t)
        ? t
        : throw new KeyNotFoundException($"SPE has no parameter '{name}'.");

    /// <summary>Creates seeded parameters for <paramref name="options"/>.</summary>
    public static SpeParameters Initialize(SpeOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        var p = new SpeParameters(options);
        var rng = new Random(options.Seed);
        int m = options.EigenvalueFunctions;
        int h = options.PhiHiddenSize;
        for (int layer = 0; layer < options.PhiLayers; layer++)
        {
            int fin = layer == 0 ? 1 : h;
            int fout = layer == options.PhiLayers - 1 ? 1 : h;
            p.Add(rng, $"spe.phi.{layer}.w", [m, fin, fout], fin, fout);
            if (options.PhiKind == SpePhiKind.MaskedDeepSets)
            {
                p.Add(rng, $"spe.phi.{layer}.w_sum", [m, fin, fout], fin, fout);
            }

            p.AddBias(rng, $"spe.phi.{layer}.b", [m, 1, fout], fin);
            if (options.Normalization == SpeNormalization.BatchNorm && layer < options.PhiLayers - 1)
            {
                p.AddBatchNorm(SpeGraph.PhiNorm(layer), [1, m, 1, fout]);
            }
        }

        int c = m;
        for (int layer = 0; layer < options.RhoLayers; layer++)
        {
            int fout = layer == options.RhoLayers - 1 ? options.OutputSize : options.RhoHiddenSize;
            p.AddZeros($"spe.rho.{layer}.eps", []);
            p.Add(rng, $"spe.rho.{layer}.w0", [c, options.RhoHiddenSize], c, options.RhoHiddenSize);
            p.AddBias(rng, $"spe.rho.{layer}.b0", [options.RhoHiddenSize], c);
            p.Add(rng, $"spe.rho.{layer}.w1", [options.RhoHiddenSize, fout], options.RhoHiddenSize, fout);
            p.AddBias(rng, $"spe.rho.{layer}.b1", [fout], options.RhoHiddenSize);
            if (options.Normalization == SpeNormalization.BatchNorm)
            {
                p.AddBatchNorm(SpeGraph.RhoNorm(layer, 0), [1, 1, 1, options.RhoHiddenSize]);
                if (layer < options.RhoLayers - 1)
                {
                    p.AddBatchNorm(SpeGraph.RhoNorm(layer, 1), [1, 1, 1, fout]);
                }
            }

            c = fout;
        }

        return p;
    }

    /// <summary>Replaces a tensor's values (same shape), e.g. with trained weights.</summary>
    public void Set(string name, float[] data)
    {
        ParameterTensor t = this[name];
        if (data.Length != t.Data.Length)
        {
            throw new ArgumentException($"Parameter '{name}' has {t.Data.Length} values, got {data.Length}.", nameof(data));
        }

        _tensors[name] = t with { Data = (float[])data.Clone() };
    }

    /// <summary>Adds every tensor to <paramref name="builder"/> as an initializer of <paramref name="elementType"/> (Float or Double).</summary>
    internal void AddInitializers(GraphBuilder builder, TensorElementType elementType)
    {
        foreach (ParameterTensor t in _tensors.Values)
        {
            OnnxTensor tensor = elementType == TensorElementType.Double
                ? OnnxTensor.FromDoubles(t.Name, t.Data.Select(v => (double)v).ToArray(), t.Shape)
                : OnnxTensor.FromFloats(t.Name, t.Data, t.Shape);
            string name = builder.Initializer(tensor);
            if (name != t.Name)
            {
                throw new InvalidOperationException($"Initializer name '{t.Name}' is already used in graph '{builder.Graph.Name}'.");
            }
        }
    }

    private void Add(Random rng, string name, long[] shape, int fanIn, int fanOut)
    {
        double bound = Math.Sqrt(6.0 / (fanIn + fanOut));
        var data = new float[OnnxTensor.ElementCountOf(shape)];
        for (int i = 0; i < data.Length; i++)
        {
            data[i] = (float)(((rng.NextDouble() * 2) - 1) * bound);
        }

        _tensors[name] = new ParameterTensor(name, data, shape);
    }

    private void AddBias(Random rng, string name, long[] shape, int fanIn)
    {
        double bound = 1.0 / Math.Sqrt(fanIn);
        var data = new float[OnnxTensor.ElementCountOf(shape)];
        for (int i = 0; i < data.Length; i++)
        {
            data[i] = (float)(((rng.NextDouble() * 2) - 1) * bound);
        }

        _tensors[name] = new ParameterTensor(name, data, shape);
    }

    // γ = 1, β = 0, running mean 0, running variance 1
    private void AddBatchNorm(BatchNormNames names, long[] shape)
    {
        foreach ((string name, float[] data, long[] dims) in MaskedBatchNorm.InitialValues(names, shape))
        {
            _tensors[name] = new ParameterTensor(name, data, dims);
        }
    }

    private void AddZeros(string name, long[] shape) =>
        _tensors[name] = new ParameterTensor(name, new float[OnnxTensor.ElementCountOf(shape)], shape);
}

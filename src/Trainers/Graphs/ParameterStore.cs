using Pipelines.Onnx;
using Pipelines.Transforms.Graphs.Spe;

namespace Pipelines.Trainers.Graphs;

/// <summary>Named float32 parameter tensors with seeded Glorot weights and PyTorch-style biases.</summary>
internal sealed class ParameterStore
{
    private readonly Dictionary<string, ParameterTensor> _tensors = new(StringComparer.Ordinal);
    private readonly Random _random;

    /// <summary>Creates an empty store whose initialisers draw from <paramref name="seed"/>.</summary>
    public ParameterStore(int seed) => _random = new Random(seed);

    /// <summary>All tensors in creation order.</summary>
    public IReadOnlyList<ParameterTensor> Tensors => [.. _tensors.Values];

    /// <summary>The tensor named <paramref name="name"/>.</summary>
    public ParameterTensor this[string name] => _tensors[name];

    /// <summary>Adds a Glorot-uniform weight of shape <c>(fanIn, fanOut)</c> (or a stack of them).</summary>
    public string Weight(string name, long[] shape, int fanIn, int fanOut) =>
        Add(name, shape, Math.Sqrt(6.0 / (fanIn + fanOut)));

    /// <summary>Adds a bias uniform in <c>±1/√fanIn</c>.</summary>
    public string Bias(string name, long[] shape, int fanIn) => Add(name, shape, 1.0 / Math.Sqrt(fanIn));

    /// <summary>Adds a zero tensor.</summary>
    public string Zeros(string name, long[] shape) => Add(name, shape, 0);

    /// <summary>Adds a BatchNorm layer's four tensors: γ = 1, β = 0, running mean 0, running variance 1.</summary>
    public void BatchNorm(BatchNormNames names, long[] shape)
    {
        foreach ((string name, float[] data, long[] dims) in MaskedBatchNorm.InitialValues(names, shape))
        {
            _tensors.Add(name, new ParameterTensor(name, data, dims));
        }
    }

    /// <summary>Replaces a tensor's values.</summary>
    public void Set(string name, float[] data)
    {
        ParameterTensor t = _tensors[name];
        if (t.Data.Length != data.Length)
        {
            throw new ArgumentException($"Parameter '{name}' has {t.Data.Length} values, got {data.Length}.", nameof(data));
        }

        _tensors[name] = t with { Data = data };
    }

    /// <summary>Adds every tensor to <paramref name="builder"/> as a float initializer.</summary>
    public void AddInitializers(GraphBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        foreach (ParameterTensor t in _tensors.Values)
        {
            if (builder.Initializer(OnnxTensor.FromFloats(t.Name, t.Data, t.Shape)) != t.Name)
            {
                throw new InvalidOperationException($"Parameter name '{t.Name}' is already used in graph '{builder.Graph.Name}'.");
            }
        }
    }

    private string Add(string name, long[] shape, double bound)
    {
        var data = new float[OnnxTensor.ElementCountOf(shape)];
        for (int i = 0; i < data.Length && bound > 0; i++)
        {
            data[i] = (float)(((_random.NextDouble() * 2) - 1) * bound);
        }

        _tensors.Add(name, new ParameterTensor(name, data, shape));
        return name;
    }
}

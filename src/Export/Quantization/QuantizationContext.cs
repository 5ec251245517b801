using Pipelines.Export.Calibration;

namespace Pipelines.Export.Quantization;

/// <summary>The graph being quantized and what quantizers share: unique names, initializers, options, activation ranges.</summary>
public sealed class QuantizationContext
{
    private readonly GraphBuilder _builder;
    private readonly Dictionary<string, OnnxTensor> _initializers;
    private readonly Dictionary<string, string> _sharedValues = new(StringComparer.Ordinal);
    private readonly OnnxModel? _original;
    private InputHessians? _layerNormHessians;
    private InputHessians? _syntheticHessians;

    /// <param name="model">The copy being rewritten.</param>
    /// <param name="options">The options.</param>
    /// <param name="ranges">Calibrated activation ranges, if any.</param>
    /// <param name="hessians">MatMul input statistics from sample inputs, if any.</param>
    /// <param name="original">The unmodified model, run for <see cref="WeightRounding.GptqSynthetic"/>'s statistics.</param>
    internal QuantizationContext(OnnxModel model, QuantizationOptions options, ActivationRanges? ranges, InputHessians? hessians = null, OnnxModel? original = null)
    {
        _original = original;
        // Chosen before any node is rewritten: the allocation's size estimate reads the float initializers only.
        EightBitWeights = options.Format == ExportFormat.Int4 ? EightBitAllocation.Select(model, options) : new HashSet<string>(StringComparer.Ordinal);
        Model = model;
        Options = options;
        Ranges = ranges;
        Hessians = hessians;
        _builder = new GraphBuilder(model.Graph);
        _initializers = model.Graph.InitializerMap();
    }

    /// <summary>The model being rewritten.</summary>
    public OnnxModel Model { get; }

    /// <summary>The options.</summary>
    public QuantizationOptions Options { get; }

    /// <summary>Calibrated activation ranges (static formats), else <see langword="null"/>.</summary>
    public ActivationRanges? Ranges { get; }

    /// <summary>Second moments of MatMul inputs (GPTQ rounding), else <see langword="null"/>.</summary>
    public InputHessians? Hessians { get; }

    /// <summary>MatMul weight initializers stored with 8-bit codes (<see cref="QuantizationOptions.EightBit"/>, <see cref="EightBitAllocation"/>), chosen before quantizing.</summary>
    public IReadOnlySet<string> EightBitWeights { get; }

    /// <summary>Data-free Hessian proxies of LayerNorm-fed MatMul inputs (<see cref="WeightRounding.GptqLayerNorm"/>), built on first use.</summary>
    public InputHessians LayerNormHessians => _layerNormHessians ??= InputHessians.FromLayerNorms(Model);

    /// <summary>
    /// Input statistics of every MatMul over <see cref="QuantizationOptions.SyntheticInputs"/> (<see cref="WeightRounding.GptqSynthetic"/>),
    /// measured on the unmodified model on first use; <see langword="null"/> when synthetic sequences cannot feed it
    /// (<see cref="SyntheticTokens.CanFill"/>).
    /// </summary>
    public InputHessians? SyntheticHessians
    {
        get
        {
            OnnxModel source = _original ?? Model;
            if (_syntheticHessians is null && SyntheticTokens.CanFill(source))
            {
                IReadOnlyList<Onnx.Runtime.TensorBatch> batches = Options.SyntheticInputs.Batches(source);
                try
                {
                    _syntheticHessians = InputHessians.Collect(source, batches);
                }
                finally
                {
                    foreach (Onnx.Runtime.TensorBatch b in batches)
                    {
                        b.Dispose();
                    }
                }
            }

            return _syntheticHessians;
        }
    }

    /// <summary>The float initializer feeding input <paramref name="index"/> of <paramref name="node"/>, if it is one.</summary>
    public OnnxTensor? ConstantInput(OnnxNode node, int index) =>
        index < node.Inputs.Count && _initializers.TryGetValue(node.Inputs[index], out OnnxTensor? t) ? t : null;

    /// <summary>A fresh value or node name starting with <paramref name="prefix"/>.</summary>
    public string UniqueName(string prefix) => _builder.UniqueName(prefix);

    /// <summary>Adds an initializer under a fresh name based on its own and returns that name.</summary>
    public string AddInitializer(OnnxTensor tensor)
    {
        string name = _builder.Initializer(tensor);
        _initializers[name] = tensor;
        return name;
    }

    /// <summary>Creates a node with a fresh name.</summary>
    public OnnxNode Node(string opType, IEnumerable<string> inputs, IEnumerable<string> outputs, string domain = "", params OnnxAttribute[] attributes)
    {
        var node = new OnnxNode(opType, inputs, outputs, UniqueName(opType + "_q"), domain);
        node.Attributes.AddRange(attributes);
        return node;
    }

    /// <summary>
    /// Returns a value created once per <paramref name="key"/> (e.g. the quantized form of an activation consumed by several
    /// MatMuls); <paramref name="create"/> adds the producing nodes to <paramref name="emitted"/> the first time.
    /// </summary>
    public string Shared(string key, List<OnnxNode> emitted, Func<List<OnnxNode>, string> create)
    {
        if (!_sharedValues.TryGetValue(key, out string? value))
        {
            value = create(emitted);
            _sharedValues[key] = value;
        }

        return value;
    }
}

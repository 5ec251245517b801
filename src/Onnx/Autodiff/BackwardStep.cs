namespace Pipelines.Onnx.Autodiff;

/// <summary>One node's backward pass: its output gradients in, its input gradients out.</summary>
internal sealed class BackwardStep
{
    private readonly string?[] _outputGrads;
    private readonly bool[] _needs;

    public BackwardStep(OnnxNode node, int position, GradientEmitter emitter, string?[] outputGrads, bool[] needs)
    {
        Node = node;
        Position = position;
        Emit = emitter;
        _outputGrads = outputGrads;
        _needs = needs;
        InputGrads = new string?[node.Inputs.Count];
    }

    public OnnxNode Node { get; }

    public int Position { get; }

    public GradientEmitter Emit { get; }

    /// <summary>Gradients produced for each input (null where none).</summary>
    public string?[] InputGrads { get; }

    public string Input(int i) => i < Node.Inputs.Count ? Node.Inputs[i] : "";

    public string Output(int i) => i < Node.Outputs.Count ? Node.Outputs[i] : "";

    public bool HasInput(int i) => Input(i).Length > 0;

    /// <summary>The gradient of output <paramref name="i"/>, or <see langword="null"/> when it does not reach the loss.</summary>
    public string? OutputGrad(int i) => i < _outputGrads.Length ? _outputGrads[i] : null;

    /// <summary>The gradient of output 0 (the only one for most ops); never null when a rule runs on a one-output op.</summary>
    public string Grad => OutputGrad(0) ?? throw new InvalidOperationException($"{Node.Describe()} has no gradient on output 0.");

    /// <summary>True when input <paramref name="i"/> lies on a path from a trainable tensor.</summary>
    public bool Needs(int i) => i < _needs.Length && _needs[i];

    /// <summary>The floating element type of the gradient (that of output 0 or input 0).</summary>
    public TensorElementType ElementType
    {
        get
        {
            TensorType? t = Emit.TypeOf(Output(0)) ?? Emit.TypeOf(Input(0));
            return t?.ElementType ?? throw new GradientException(
                $"The gradient of {Node.Describe()} (position {Position}) needs the element type of '{Output(0)}', which is unknown.");
        }
    }

    /// <summary>Records the gradient of input <paramref name="i"/> (ignored when the input needs none).</summary>
    public void SetGrad(int i, string grad)
    {
        if (Needs(i))
        {
            InputGrads[i] = InputGrads[i] is null ? grad : Emit.Op("Add", InputGrads[i]!, grad);
        }
    }

    /// <summary>Records a gradient of output shape for input <paramref name="i"/>, summed down to that input's shape.</summary>
    public void SetBroadcastGrad(int i, string grad)
    {
        if (Needs(i))
        {
            SetGrad(i, Emit.SumTo(grad, Emit.ShapeOf(Output(0)), Input(i)));
        }
    }

    /// <summary>A scalar constant in the gradient's element type.</summary>
    public string Scalar(double value) => Emit.Scalar(value, ElementType);

    public GradientException Unsupported(string why) =>
        new($"No gradient for {Node.Describe()} at position {Position}: {why}");
}

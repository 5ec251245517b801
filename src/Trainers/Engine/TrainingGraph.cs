using Pipelines.Onnx;

namespace Pipelines.Trainers;

/// <summary>What a state tensor of the train step holds.</summary>
public enum StateKind
{
    /// <summary>A trainable parameter.</summary>
    Parameter,

    /// <summary>An optimizer slot of a parameter (momentum, Adam moments).</summary>
    OptimizerSlot,

    /// <summary>
    /// A buffer the forward pass updates but the optimizer never touches, e.g. a BatchNorm running mean or variance
    /// (<see cref="TrainingGraphOptions.RunningStatistics"/>); the eval model and the exported model read it.
    /// </summary>
    RunningStatistic,
}

/// <summary>
/// A tensor carried from one train step to the next: read from graph input <see cref="Input"/>, written to graph
/// output <see cref="Output"/>.
/// </summary>
/// <param name="Input">The graph input name (the parameter's own name for parameters).</param>
/// <param name="Output">The graph output name holding the value after the step.</param>
/// <param name="Kind">Parameter, optimizer slot or running statistic.</param>
/// <param name="Initial">The value before the first step (shape, element type and data).</param>
public sealed record StateTensor(string Input, string Output, StateKind Kind, OnnxTensor Initial);

/// <summary>
/// The artifacts of a training run, all plain ONNX on the standard domain: a train-step model (forward, loss, gradients,
/// clipping and optimizer update in one graph) and an eval model (the forward graph with the parameters as inputs, so it
/// reads the same buffers).
/// </summary>
/// <remarks>
/// Train-step inputs: every <see cref="State"/> input, <see cref="LearningRateInput"/> and <see cref="StepInput"/>
/// (scalars of <see cref="ElementType"/>; step = steps already taken) and the <see cref="BatchInputs"/>. Outputs:
/// <see cref="LossOutput"/>, every state output in <see cref="State"/> order, then the <see cref="ExtraOutputs"/>.
/// </remarks>
public sealed class TrainingGraph
{
    private readonly Lazy<OnnxModel> _eval;

    internal TrainingGraph(OnnxModel forward, OnnxModel trainStep, Func<OnnxModel> eval, IReadOnlyList<StateTensor> state, IReadOnlyList<ValueInfo> batchInputs, IReadOnlyList<ValueInfo> evalInputs, string loss, TensorElementType type, IReadOnlyList<string> extraOutputs)
    {
        ExtraOutputs = extraOutputs;
        Forward = forward;
        TrainStep = trainStep;
        _eval = new Lazy<OnnxModel>(eval);
        State = state;
        BatchInputs = batchInputs;
        EvalInputs = evalInputs;
        LossOutput = loss;
        ElementType = type;
    }

    /// <summary>The forward model as given (a private copy; used for export).</summary>
    public OnnxModel Forward { get; }

    /// <summary>The train-step model.</summary>
    public OnnxModel TrainStep { get; }

    /// <summary>The eval model: forward outputs, parameters as inputs (built on first use).</summary>
    public OnnxModel Eval => _eval.Value;

    /// <summary>Parameters, then optimizer slots, then running statistics, in binding order.</summary>
    public IReadOnlyList<StateTensor> State { get; }

    /// <summary>Data fed per step: the forward's runtime inputs, then labels/targets added by the loss.</summary>
    public IReadOnlyList<ValueInfo> BatchInputs { get; }

    /// <summary>The forward's runtime inputs (what the eval model needs besides the parameters).</summary>
    public IReadOnlyList<ValueInfo> EvalInputs { get; }

    /// <summary>The scalar loss output.</summary>
    public string LossOutput { get; }

    /// <summary>Forward values the train step returns after the state outputs (<see cref="TrainingGraphOptions.ExtraOutputs"/>).</summary>
    public IReadOnlyList<string> ExtraOutputs { get; }

    /// <summary>The learning-rate input (scalar).</summary>
    public string LearningRateInput => "learning_rate";

    /// <summary>The step-count input (scalar; steps already taken).</summary>
    public string StepInput => "step";

    /// <summary>The element type of parameters, loss, learning rate and step.</summary>
    public TensorElementType ElementType { get; }

    /// <summary>The trainable parameters.</summary>
    public IEnumerable<StateTensor> Parameters => State.Where(s => s.Kind == StateKind.Parameter);

    /// <summary>Bytes of optimizer state (every <see cref="StateKind.OptimizerSlot"/> tensor), e.g. to compare 8-bit with 32-bit AdamW.</summary>
    public long OptimizerStateBytes => State.Where(s => s.Kind == StateKind.OptimizerSlot).Sum(s => (long)s.Initial.RawData.Length);
}

namespace Pipelines.Onnx.Autodiff;

/// <summary>
/// A forward graph with its reverse-mode gradient subgraph appended. The trainable initializers became graph inputs
/// (same names, types and order as requested); the outputs are the loss followed by one gradient per trainable.
/// </summary>
/// <param name="Model">The model computing the loss and the gradients.</param>
/// <param name="Loss">The name of the scalar loss value.</param>
/// <param name="Trainables">The trainable tensors with their initial values, in the requested order.</param>
/// <param name="Gradients">Trainable name → name of its gradient value (same shape as the trainable).</param>
public sealed record GradientGraph(
    OnnxModel Model,
    string Loss,
    IReadOnlyList<OnnxTensor> Trainables,
    IReadOnlyDictionary<string, string> Gradients)
{
    /// <summary>
    /// Forward value → name of the value holding the loss's full gradient with respect to it (all consumers' contributions
    /// summed), for every forward value on a path from a trainable to the loss. Rewrites of the backward pass (e.g.
    /// activation recomputation) use it to order work after a gradient has arrived.
    /// </summary>
    public IReadOnlyDictionary<string, string> ValueGradients { get; init; } = new Dictionary<string, string>();
}

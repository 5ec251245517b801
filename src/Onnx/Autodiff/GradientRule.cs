namespace Pipelines.Onnx.Autodiff;

/// <summary>
/// Emits the vector-Jacobian product of one forward node: reads the output gradients from <paramref name="step"/> and
/// adds a gradient for each input that needs one.
/// </summary>
/// <param name="step">The node being differentiated, its output gradients and the emission helpers.</param>
internal delegate void GradientRule(BackwardStep step);

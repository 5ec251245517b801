namespace Pipelines.Onnx.Autodiff;

/// <summary>
/// The gradient graph cannot be built: an op on the path from a trainable tensor to the loss has no gradient rule, the
/// loss is not a scalar, a trainable name is unknown, or element types disagree. Raised before any session is created;
/// the message names the op, node, position, value or type involved.
/// </summary>
public sealed class GradientException : PipelinesException
{
    /// <summary>Creates the exception.</summary>
    public GradientException(string message)
        : base(ErrorKind.Model, message)
    {
    }

    /// <summary>Creates the exception with its cause.</summary>
    public GradientException(string message, Exception innerException)
        : base(ErrorKind.Model, message, innerException)
    {
    }

    /// <summary>Creates the exception.</summary>
    public GradientException()
        : base(ErrorKind.Model, "The gradient graph cannot be built.")
    {
    }
}

namespace Pipelines;

/// <summary>
/// The base of every error Pipelines raises on purpose. <see cref="Kind"/> says whose move it is (fix the command line,
/// the data, the model, the device or a budget); the message names the file, line, node, op, column or shape involved.
/// </summary>
public class PipelinesException : Exception
{
    /// <summary>Creates the exception.</summary>
    /// <param name="kind">What went wrong.</param>
    /// <param name="message">One line naming the problem and what to change.</param>
    /// <param name="innerException">The cause, or null.</param>
    public PipelinesException(ErrorKind kind, string message, Exception? innerException = null)
        : base(message, innerException)
    {
        Kind = kind;
    }

    /// <summary>Creates an <see cref="ErrorKind.Internal"/> exception.</summary>
    public PipelinesException()
        : this(ErrorKind.Internal, "Internal error.")
    {
    }

    /// <summary>Creates an <see cref="ErrorKind.Internal"/> exception.</summary>
    /// <param name="message">The message.</param>
    public PipelinesException(string message)
        : this(ErrorKind.Internal, message)
    {
    }

    /// <summary>Creates an <see cref="ErrorKind.Internal"/> exception.</summary>
    /// <param name="message">The message.</param>
    /// <param name="innerException">The cause.</param>
    public PipelinesException(string message, Exception innerException)
        : this(ErrorKind.Internal, message, innerException)
    {
    }

    /// <summary>Gets what went wrong.</summary>
    public ErrorKind Kind { get; }
}

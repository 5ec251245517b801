namespace Pipelines.Onnx;

/// <summary>A model file that cannot be read as ONNX, or a model that breaks the format's rules.</summary>
public sealed class OnnxFormatException : PipelinesException
{
    /// <summary>Creates the exception.</summary>
    public OnnxFormatException(string message)
        : base(ErrorKind.Model, message)
    {
    }

    /// <summary>Creates the exception with its cause.</summary>
    public OnnxFormatException(string message, Exception innerException)
        : base(ErrorKind.Model, message, innerException)
    {
    }

    /// <summary>Creates the exception.</summary>
    public OnnxFormatException()
        : base(ErrorKind.Model, "Not a readable ONNX model.")
    {
    }
}

/// <summary>A graph that is well-formed protobuf but invalid as a computation (dangling input, shape mismatch, …).</summary>
public sealed class OnnxGraphException : PipelinesException
{
    /// <summary>Creates the exception.</summary>
    public OnnxGraphException(string message)
        : base(ErrorKind.Model, message)
    {
    }

    /// <summary>Creates the exception with its cause.</summary>
    public OnnxGraphException(string message, Exception innerException)
        : base(ErrorKind.Model, message, innerException)
    {
    }

    /// <summary>Creates the exception.</summary>
    public OnnxGraphException()
        : base(ErrorKind.Model, "Invalid ONNX graph.")
    {
    }
}

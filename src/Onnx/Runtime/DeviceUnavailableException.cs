namespace Pipelines.Onnx.Runtime;

/// <summary>The requested execution device cannot be used; the message says why and what to do.</summary>
public sealed class DeviceUnavailableException : PipelinesException
{
    /// <summary>Creates the exception.</summary>
    public DeviceUnavailableException(string message)
        : base(ErrorKind.Device, message)
    {
    }

    /// <summary>Creates the exception with its cause.</summary>
    public DeviceUnavailableException(string message, Exception innerException)
        : base(ErrorKind.Device, message, innerException)
    {
    }

    /// <summary>Creates the exception.</summary>
    public DeviceUnavailableException()
        : base(ErrorKind.Device, "The execution device cannot be used.")
    {
    }
}

namespace Pipelines.Onnx.Runtime;

/// <summary>The requested execution device cannot be used; the message says why and what to do.</summary>
public sealed class DeviceUnavailableException : Exception
{
    /// <summary>Creates the exception.</summary>
    public DeviceUnavailableException(string message)
        : base(message)
    {
    }

    /// <summary>Creates the exception with its cause.</summary>
    public DeviceUnavailableException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    /// <summary>Creates the exception.</summary>
    public DeviceUnavailableException()
    {
    }
}

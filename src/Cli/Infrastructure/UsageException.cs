namespace Pipelines.Cli.Infrastructure;

/// <summary>A command was called wrongly (exit code 2); the message says what to change.</summary>
internal sealed class UsageException : Exception
{
    public UsageException(string message)
        : base(message)
    {
    }

    public UsageException()
    {
    }

    public UsageException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}

namespace Pipelines.Cli.Infrastructure;

/// <summary>A command was called wrongly (<see cref="ErrorKind.Usage"/>, exit code 2); the message says what to change.</summary>
internal sealed class UsageException : PipelinesException
{
    public UsageException(string message)
        : base(ErrorKind.Usage, message)
    {
    }

    public UsageException()
        : base(ErrorKind.Usage, "Bad usage.")
    {
    }

    public UsageException(string message, Exception innerException)
        : base(ErrorKind.Usage, message, innerException)
    {
    }
}

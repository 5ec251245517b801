namespace Pipelines.Transforms.Graphs;

/// <summary>Malformed graph input (<see cref="ErrorKind.Data"/>): names the file (or source), the 1-based line and, where known, the column.</summary>
public sealed class GraphFormatException : DataFormatException
{
    /// <summary>Creates the exception; the message is prefixed with <c>file:line[:column]: </c>.</summary>
    /// <param name="source">The file (or other source) being read.</param>
    /// <param name="line">1-based line.</param>
    /// <param name="message">What is wrong there.</param>
    /// <param name="column">1-based column, 0 when unknown.</param>
    /// <param name="inner">The cause, or null.</param>
    public GraphFormatException(string source, int line, string message, int column = 0, Exception? inner = null)
        : base(source, line, message, column, inner)
    {
    }
}

namespace Pipelines.Transforms.Graphs;

/// <summary>Malformed graph input: names the file (or source), the 1-based line and, where known, the column.</summary>
public sealed class GraphFormatException : FormatException
{
    /// <summary>Creates the exception; the message is prefixed with <c>file:line[:column]: </c>.</summary>
    public GraphFormatException(string source, int line, string message, int column = 0, Exception? inner = null)
        : base($"{source}:{line}{(column > 0 ? $":{column}" : "")}: {message}", inner)
    {
        FileName = source;
        Line = line;
        Column = column;
    }

    /// <summary>The file (or other source) being read.</summary>
    public string FileName { get; }

    /// <summary>1-based line number.</summary>
    public int Line { get; }

    /// <summary>1-based column, 0 when unknown.</summary>
    public int Column { get; }
}

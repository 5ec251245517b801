namespace Pipelines;

/// <summary>
/// Malformed input data (<see cref="ErrorKind.Data"/>): the message starts with <c>file[:line[:column]]: </c> so the
/// reader can jump to the place.
/// </summary>
public class DataFormatException : PipelinesException
{
    /// <summary>Creates the exception; the message is prefixed with <c>file:line[:column]: </c> (line 0: <c>file: </c>).</summary>
    /// <param name="source">The file (or other source) being read.</param>
    /// <param name="line">1-based line, or 0 when the problem is not on one line.</param>
    /// <param name="message">What is wrong there.</param>
    /// <param name="column">1-based column, or 0 when unknown.</param>
    /// <param name="innerException">The cause, or null.</param>
    public DataFormatException(string source, int line, string message, int column = 0, Exception? innerException = null)
        : base(ErrorKind.Data, $"{Where(source, line, column)}: {message}", innerException)
    {
        FileName = source;
        Line = line;
        Column = column;
    }

    /// <summary>Creates the exception for a problem not tied to a line of <paramref name="source"/>.</summary>
    /// <param name="source">The file (or other source) being read.</param>
    /// <param name="message">What is wrong.</param>
    public DataFormatException(string source, string message)
        : this(source, 0, message)
    {
    }

    /// <summary>Creates the exception with no source.</summary>
    public DataFormatException()
        : this("(data)", 0, "Malformed data.")
    {
    }

    /// <summary>Creates the exception with no source.</summary>
    /// <param name="message">What is wrong.</param>
    public DataFormatException(string message)
        : base(ErrorKind.Data, message)
    {
        FileName = "";
    }

    /// <summary>Creates the exception with no source.</summary>
    /// <param name="message">What is wrong.</param>
    /// <param name="innerException">The cause.</param>
    public DataFormatException(string message, Exception innerException)
        : base(ErrorKind.Data, message, innerException)
    {
        FileName = "";
    }

    /// <summary>Gets the file (or other source) being read; empty when unknown.</summary>
    public string FileName { get; }

    /// <summary>Gets the 1-based line, 0 when unknown.</summary>
    public int Line { get; }

    /// <summary>Gets the 1-based column, 0 when unknown.</summary>
    public int Column { get; }

    private static string Where(string source, int line, int column) =>
        line <= 0 ? source : column > 0 ? $"{source}:{line}:{column}" : $"{source}:{line}";
}

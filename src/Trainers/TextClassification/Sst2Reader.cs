using System.Globalization;

namespace Pipelines.Trainers.TextClassification;

/// <summary>
/// Reads sentence classification files in the <c>stsa.binary.*</c> layout used for SST-2 (Socher et al. 2013, as
/// distributed by Kim 2014): one example per line, the integer label, one space, then the sentence.
/// </summary>
public static class Sst2Reader
{
    /// <summary>Reads every non-empty line of <paramref name="path"/>.</summary>
    /// <exception cref="FileNotFoundException">The file does not exist.</exception>
    /// <exception cref="DataFormatException">A line has no integer label followed by a sentence; the message names file and line.</exception>
    public static IReadOnlyList<LabeledSentence> Read(string path)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        if (!File.Exists(path))
        {
            throw new FileNotFoundException($"Sentence file '{path}' does not exist.", path);
        }

        using var reader = new StreamReader(path);
        return Parse(reader, path);
    }

    /// <summary>Parses lines from <paramref name="reader"/>; <paramref name="source"/> names it in errors.</summary>
    public static IReadOnlyList<LabeledSentence> Parse(TextReader reader, string source = "<text>")
    {
        ArgumentNullException.ThrowIfNull(reader);
        var list = new List<LabeledSentence>();
        int lineNumber = 0;
        string? line;
        while ((line = reader.ReadLine()) is not null)
        {
            lineNumber++;
            if (string.IsNullOrWhiteSpace(line))
            {
                continue;
            }

            int space = line.IndexOf(' ', StringComparison.Ordinal);
            if (space <= 0 || space == line.Length - 1
                || !int.TryParse(line.AsSpan(0, space), NumberStyles.None, CultureInfo.InvariantCulture, out int label))
            {
                throw new DataFormatException(
                    source, lineNumber, $"expected '<label> <sentence>' with a non-negative integer label, got '{Truncate(line)}'.");
            }

            list.Add(new LabeledSentence(line[(space + 1)..].Trim(), label));
        }

        return list;
    }

    private static string Truncate(string s) => s.Length <= 60 ? s : s[..60] + "…";
}

using System.Globalization;

namespace Pipelines.Transforms.Graphs;

/// <summary>One row of a SMILES table.</summary>
/// <param name="Molecule">The parsed molecule.</param>
/// <param name="Target">The target column's value (NaN when no target column was asked for).</param>
/// <param name="Line">1-based line number in the file.</param>
public sealed record SmilesRecord(Molecule Molecule, float Target, int Line);

/// <summary>
/// Reads a comma-separated file with a header row, a SMILES column and optionally a numeric target column (ZINC, ESOL
/// and MoleculeNet-style files). Fields may be double-quoted; surrounding whitespace is trimmed.
/// </summary>
public static class SmilesCsvReader
{
    /// <summary>Reads every row.</summary>
    /// <param name="path">The CSV file.</param>
    /// <param name="smilesColumn">The SMILES column; when <see langword="null"/>, the first column whose name contains "smiles" (any case).</param>
    /// <param name="targetColumn">The numeric target column, or <see langword="null"/>.</param>
    /// <exception cref="GraphFormatException">A header is missing, a row is short, a target is not a number or a SMILES is malformed (file, line, column).</exception>
    public static IReadOnlyList<SmilesRecord> Read(string path, string? smilesColumn = null, string? targetColumn = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        using var reader = new StreamReader(path);
        string? header = reader.ReadLine() ?? throw new GraphFormatException(path, 1, "the file is empty; expected a header row.");
        string[] names = SplitCsv(header);
        int smilesIndex = smilesColumn is null
            ? Array.FindIndex(names, n => n.Contains("smiles", StringComparison.OrdinalIgnoreCase))
            : Array.IndexOf(names, smilesColumn);
        if (smilesIndex < 0)
        {
            throw new GraphFormatException(path, 1, $"no SMILES column{(smilesColumn is null ? "" : $" '{smilesColumn}'")} in header [{string.Join(", ", names)}].");
        }

        int targetIndex = targetColumn is null ? -1 : Array.IndexOf(names, targetColumn);
        if (targetColumn is not null && targetIndex < 0)
        {
            throw new GraphFormatException(path, 1, $"no target column '{targetColumn}' in header [{string.Join(", ", names)}].");
        }

        var records = new List<SmilesRecord>();
        int line = 1;
        string? text;
        while ((text = reader.ReadLine()) is not null)
        {
            line++;
            if (text.Trim().Length == 0)
            {
                continue;
            }

            string[] fields = SplitCsv(text);
            int needed = Math.Max(smilesIndex, targetIndex) + 1;
            if (fields.Length < needed)
            {
                throw new GraphFormatException(path, line, $"row has {fields.Length} fields, expected at least {needed}.");
            }

            float target = float.NaN;
            if (targetIndex >= 0 && !float.TryParse(fields[targetIndex], NumberStyles.Float, CultureInfo.InvariantCulture, out target))
            {
                throw new GraphFormatException(path, line, $"target '{names[targetIndex]}' value '{fields[targetIndex]}' is not a number.");
            }

            records.Add(new SmilesRecord(SmilesParser.Parse(fields[smilesIndex], path, line), target, line));
        }

        return records;
    }

    private static string[] SplitCsv(string line)
    {
        var fields = new List<string>();
        var current = new System.Text.StringBuilder();
        bool quoted = false;
        for (int i = 0; i < line.Length; i++)
        {
            char c = line[i];
            if (quoted)
            {
                if (c == '"' && i + 1 < line.Length && line[i + 1] == '"')
                {
                    current.Append('"');
                    i++;
                }
                else if (c == '"')
                {
                    quoted = false;
                }
                else
                {
                    current.Append(c);
                }
            }
            else if (c == '"')
            {
                quoted = true;
            }
            else if (c == ',')
            {
                fields.Add(current.ToString().Trim());
                current.Clear();
            }
            else
            {
                current.Append(c);
            }
        }

        fields.Add(current.ToString().Trim());
        return [.. fields];
    }
}

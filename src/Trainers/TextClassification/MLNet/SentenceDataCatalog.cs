using Microsoft.ML;
using Pipelines.Trainers.TextClassification;

namespace Pipelines;

/// <summary>Labelled sentences as an <see cref="IDataView"/> (<c>mlContext.Data.LoadLabeledSentences(…)</c>), through <see cref="Sst2Reader"/>.</summary>
public static class SentenceDataCatalog
{
    /// <summary>
    /// Reads a sentence classification file in the <c>stsa.binary.*</c> layout (integer label, one space, the sentence per
    /// line); the columns are <c>Text</c> (string) and <c>Label</c> (Int32 class index), as
    /// <c>mlContext.MulticlassClassification.Trainers.AdapterFineTuning</c> reads them by default.
    /// </summary>
    /// <param name="catalog">The data catalog (<c>mlContext.Data</c>).</param>
    /// <param name="path">The file.</param>
    /// <returns>One row per non-empty line.</returns>
    /// <exception cref="FileNotFoundException">The file does not exist.</exception>
    /// <exception cref="DataFormatException">A malformed line (file and line named).</exception>
    public static IDataView LoadLabeledSentences(this DataOperationsCatalog catalog, string path)
    {
        ArgumentNullException.ThrowIfNull(catalog);
        return catalog.LoadFromEnumerable(Sst2Reader.Read(path).Select(s => new SentenceRow { Text = s.Text, Label = s.Label }).ToList());
    }

    private sealed class SentenceRow
    {
        public string Text { get; set; } = "";

        public int Label { get; set; }
    }
}

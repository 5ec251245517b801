using Microsoft.ML;
using Microsoft.ML.Data;
using Pipelines.Testing;
using Pipelines.Trainers.TextClassification;
using Xunit;

namespace Pipelines.Trainers.Tests.TextClassification;

public sealed class Sst2ReaderTests
{
    [Fact]
    public void ParsesLabelThenSentence()
    {
        IReadOnlyList<LabeledSentence> rows = Sst2Reader.Parse(new StringReader("1 a stirring , funny film\n\n0 one long string of cliches .\n"));
        Assert.Equal(2, rows.Count);
        Assert.Equal(new LabeledSentence("a stirring , funny film", 1), rows[0]);
        Assert.Equal(0, rows[1].Label);
    }

    [Theory]
    [InlineData("positive a film")]
    [InlineData("1")]
    [InlineData("-1 bad label")]
    public void MalformedLineNamesSourceAndLine(string bad)
    {
        var ex = Assert.Throws<DataFormatException>(() => Sst2Reader.Parse(new StringReader("1 fine\n" + bad + "\n"), "train.txt"));
        Assert.Contains("train.txt:2", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void MissingFileThrowsWithPath()
    {
        var ex = Assert.Throws<FileNotFoundException>(() => Sst2Reader.Read("/nonexistent/stsa.binary.train"));
        Assert.Contains("stsa.binary.train", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void SharedSst2HasDocumentedSizes()
    {
        string? dir = SharedData.TryGet("data/text/sst2");
        if (dir is null)
        {
            return;
        }

        Assert.Equal(6920, Sst2Reader.Read(Path.Combine(dir, "stsa.binary.train")).Count);
        IReadOnlyList<LabeledSentence> dev = Sst2Reader.Read(Path.Combine(dir, "stsa.binary.dev"));
        Assert.Equal(872, dev.Count);
        Assert.All(dev, r => Assert.InRange(r.Label, 0, 1));
        Assert.Equal(1821, Sst2Reader.Read(Path.Combine(dir, "stsa.binary.test")).Count);
    }

    [Fact]
    public void LoadLabeledSentences_GivesTextAndLabelColumns()
    {
        using var dir = new TempDirectory();
        string path = dir.File("train.txt");
        File.WriteAllText(path, "1 a stirring , funny film\n\n0 one long string of cliches .\n");
        IDataView view = new MLContext(seed: 1).Data.LoadLabeledSentences(path);
        Assert.Equal(["a stirring , funny film", "one long string of cliches ."], view.GetColumn<string>("Text").ToArray());
        Assert.Equal([1, 0], view.GetColumn<int>("Label").ToArray());
    }
}

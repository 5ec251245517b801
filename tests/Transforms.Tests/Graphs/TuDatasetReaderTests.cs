using Pipelines.Transforms.Graphs;
using Xunit;

namespace Pipelines.Transforms.Tests.Graphs;

public sealed class TuDatasetReaderTests : IDisposable
{
    private readonly string _dir = Path.Combine(Path.GetTempPath(), $"tu-{Guid.NewGuid():N}", "TOY");

    public TuDatasetReaderTests() => Directory.CreateDirectory(_dir);

    public void Dispose() => Directory.Delete(Path.GetDirectoryName(_dir)!, recursive: true);

    private void Write(string suffix, string text) => File.WriteAllText(Path.Combine(_dir, $"TOY_{suffix}.txt"), text);

    private void WriteToy()
    {
        // graph 1: triangle on nodes 1-3; graph 2: edge 4-5. Both directions listed, as TU files do.
        Write("A", "1, 2\n2, 1\n2, 3\n3, 2\n1, 3\n3, 1\n4, 5\n5, 4\n");
        Write("graph_indicator", "1\n1\n1\n2\n2\n");
        Write("graph_labels", "-1\n1\n");
        Write("node_labels", "6\n8\n6\n7\n7\n");
        Write("edge_labels", "2\n2\n1\n1\n1\n1\n3\n3\n");
    }

    [Fact]
    public void Read_ToyDataSet()
    {
        WriteToy();
        TuDataset ds = TuDatasetReader.Read(_dir);
        Assert.Equal("TOY", ds.Name);
        Assert.Equal(2, ds.Graphs.Count);
        Assert.Equal(["-1", "1"], ds.ClassLabels);
        Graph a = ds.Graphs[0];
        Assert.Equal((3, 3), (a.NodeCount, a.EdgeCount));
        Assert.Equal([0, 2, 0], a.NodeTypes!);
        Assert.Equal([1, 0, 0], a.EdgeTypes!);
        Assert.Equal(0f, a.Target);
        Graph b = ds.Graphs[1];
        Assert.Equal([0], b.EdgeSources);
        Assert.Equal([1], b.EdgeTargets);
        Assert.Equal([2], b.EdgeTypes!);
        Assert.Equal(1f, b.Target);
        Assert.Equal((3, 3), (ds.NodeTypeCount, ds.EdgeTypeCount));
    }

    [Fact]
    public void Read_MalformedLineNamesFileAndLine()
    {
        WriteToy();
        File.Delete(Path.Combine(_dir, "TOY_edge_labels.txt"));
        Write("A", "1, 2\n2, x\n");
        var ex = Assert.Throws<GraphFormatException>(() => TuDatasetReader.Read(_dir));
        Assert.EndsWith("TOY_A.txt", ex.FileName, StringComparison.Ordinal);
        Assert.Equal(2, ex.Line);

        Write("A", "1, 2\n3, 4\n");
        ex = Assert.Throws<GraphFormatException>(() => TuDatasetReader.Read(_dir));
        Assert.Contains("joins graphs 1 and 2", ex.Message, StringComparison.Ordinal);

        WriteToy();
        Write("node_labels", "1\n2\n");
        ex = Assert.Throws<GraphFormatException>(() => TuDatasetReader.Read(_dir));
        Assert.Contains("expected 5", ex.Message, StringComparison.Ordinal);

        File.Delete(Path.Combine(_dir, "TOY_graph_labels.txt"));
        Assert.Throws<FileNotFoundException>(() => TuDatasetReader.Read(_dir));
    }

    [Fact]
    public void Read_RejectsNodeIdZeroAndEdgesToMissingOrOtherGraphsNodes_NamingFileAndLine()
    {
        WriteToy();
        File.Delete(Path.Combine(_dir, "TOY_edge_labels.txt"));
        Write("A", "1, 2\n\n0, 1\n");
        var ex = Assert.Throws<GraphFormatException>(() => TuDatasetReader.Read(_dir));
        Assert.EndsWith("TOY_A.txt", ex.FileName, StringComparison.Ordinal);
        Assert.Equal(3, ex.Line);
        Assert.Contains("node id 0", ex.Message, StringComparison.Ordinal);

        Write("A", "1, 2\n2, 6\n");
        ex = Assert.Throws<GraphFormatException>(() => TuDatasetReader.Read(_dir));
        Assert.Equal(2, ex.Line);
        Assert.Contains("node id 6", ex.Message, StringComparison.Ordinal);

        Write("A", "1, 2\n2, 4\n");
        ex = Assert.Throws<GraphFormatException>(() => TuDatasetReader.Read(_dir));
        Assert.EndsWith("TOY_A.txt", ex.FileName, StringComparison.Ordinal);
        Assert.Equal(2, ex.Line);
        Assert.Contains("joins graphs 1 and 2", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Read_KeepsGraphLabelsAsWritten()
    {
        WriteToy();
        Assert.Equal(["-1", "1"], TuDatasetReader.Read(_dir).GraphLabels);
    }

    [Fact]
    public void Read_SharedTuDataSets()
    {
        string nci = SharedData.Path("graphs/tu/NCI109");
        string mutag = SharedData.Path("graphs/tu/MUTAG");
        if (!Directory.Exists(nci) || !Directory.Exists(mutag))
        {
            return; // ../shared is absent (CI).
        }

        TuDataset n = TuDatasetReader.Read(nci);
        Assert.Equal(4127, n.Graphs.Count);
        Assert.Equal(2048, n.Graphs.Count(g => g.Target == 0));
        TuDataset m = TuDatasetReader.Read(mutag);
        Assert.Equal(188, m.Graphs.Count);
        Assert.Equal(125, m.Graphs.Count(g => g.Target == 1));
        Assert.NotNull(m.Graphs[0].EdgeTypes);
    }
}

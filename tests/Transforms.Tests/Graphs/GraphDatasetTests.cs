using Pipelines.Testing;
using Pipelines.Transforms.Graphs;
using Pipelines.Transforms.Graphs.Datasets;
using Pipelines.Transforms.Graphs.Spe;
using Xunit;

namespace Pipelines.Transforms.Tests.Graphs;

public sealed class GraphDatasetTests : IDisposable
{
    private readonly TempDirectory _temp = new();

    public void Dispose() => _temp.Dispose();

    private static GraphDataset Paths(int count) => new(
        "paths",
        [.. Enumerable.Range(0, count).Select(i => new Graph(2, [0], [1], target: i, id: $"g{i}"))],
        NodeTypeCount: 1,
        EdgeTypeCount: 1,
        ClassCount: 0,
        NodeTypeKeys: null);

    [Fact]
    public void Split_IsSeededDisjointAndCoversEveryGraph()
    {
        GraphDataset data = Paths(50);
        GraphDatasetSplit a = data.Split(0.1, seed: 7);
        GraphDatasetSplit b = data.Split(0.1, seed: 7);
        GraphDatasetSplit c = data.Split(0.1, seed: 8);
        Assert.Equal(a.Train, b.Train);
        Assert.Equal(a.Valid, b.Valid);
        Assert.Equal(a.Test, b.Test);
        Assert.NotEqual(a.Test.Concat(a.Valid), c.Test.Concat(c.Valid));
        Assert.Equal((40, 5, 5), (a.Train.Count, a.Valid.Count, a.Test.Count));
        Assert.Equal(Enumerable.Range(0, 50), a.Train.Concat(a.Valid).Concat(a.Test).Order());
    }

    [Fact]
    public void Split_MatchesTheShuffleTheCliAlwaysUsed()
    {
        // The CLI's split before the move: shuffle 0..n-1 with new Random(seed), test first, then valid, then train.
        int[] order = Enumerable.Range(0, 30).ToArray();
        new Random(3).Shuffle(order);
        GraphDatasetSplit split = Paths(30).Split(0.2, seed: 3);
        Assert.Equal(order.Take(6), split.Test);
        Assert.Equal(order.Skip(6).Take(6), split.Valid);
        Assert.Equal(order.Skip(12), split.Train);
    }

    [Theory]
    [InlineData(0.0)]
    [InlineData(0.5)]
    public void Split_ThrowsForAFractionOutsideTheOpenInterval(double fraction) =>
        Assert.Throws<ArgumentOutOfRangeException>(() => Paths(10).Split(fraction, 1));

    [Fact]
    public void Load_ReadsATuFolderAsClasses_AndASmilesCsvAsRegression()
    {
        string tu = Path.Combine(_temp.Path, "TOY");
        Directory.CreateDirectory(tu);
        File.WriteAllText(Path.Combine(tu, "TOY_A.txt"), "1, 2\n3, 4\n");
        File.WriteAllText(Path.Combine(tu, "TOY_graph_indicator.txt"), "1\n1\n2\n2\n");
        File.WriteAllText(Path.Combine(tu, "TOY_graph_labels.txt"), "-1\n1\n");
        GraphDataset graphs = GraphDataset.Load(tu);
        Assert.Equal(("TOY", 2, 2, 1, 1), (graphs.Name, graphs.Graphs.Count, graphs.ClassCount, graphs.NodeTypeCount, graphs.EdgeTypeCount));
        Assert.True(graphs.IsClassification);

        string csv = Path.Combine(_temp.Path, "mols.csv");
        File.WriteAllText(csv, "smiles,y\nCCO,1.5\nc1ccccc1,2\n");
        GraphDataset mols = GraphDataset.Load(csv, targetColumn: "y");
        Assert.Equal(("mols", 2, 0), (mols.Name, mols.Graphs.Count, mols.ClassCount));
        Assert.Equal([1.5f, 2f], mols.Graphs.Select(g => g.Target));
        Assert.Equal("mols.csv:3", mols.Graphs[1].Id);
        Assert.NotNull(mols.NodeTypeKeys);
        Assert.True(float.IsNaN(GraphDataset.Load(csv).Graphs[0].Target));

        Assert.Throws<FileNotFoundException>(() => GraphDataset.Load(Path.Combine(_temp.Path, "absent")));
    }

    [Fact]
    public void Create_SpeUsesTheCompactPreset()
    {
        var spe = Assert.IsType<SpeEncoding>(GraphEncoding.Create(GraphEncodingKind.Spe, 12, seed: 5));
        Assert.Equal(12, spe.K);
        Assert.Equal(new SpeOptions(EigenvalueFunctions: 8, RhoLayers: 2, RhoHiddenSize: 16, OutputSize: 12, Seed: 5), spe.SpeOptions);
        Assert.Equal(new LapPeEncoding(4), GraphEncoding.Create(GraphEncodingKind.Lap, 4, 0));
        Assert.Equal(new RwseEncoding(4), GraphEncoding.Create(GraphEncodingKind.Rwse, 4, 0));
        Assert.IsType<NoEncoding>(GraphEncoding.Create(GraphEncodingKind.None, 4, 0));
    }
}

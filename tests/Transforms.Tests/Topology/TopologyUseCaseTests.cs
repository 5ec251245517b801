using Pipelines.Numerics.Topology;
using Pipelines.Testing;
using Pipelines.Transforms.Graphs;
using Pipelines.Transforms.Topology;
using Pipelines.Transforms.Topology.Data;
using Xunit;

namespace Pipelines.Transforms.Tests.Topology;

public sealed class TopologyUseCaseTests : IDisposable
{
    private readonly TempDirectory _temp = new();

    public void Dispose() => _temp.Dispose();

    private static TopologyDataset Clouds(int count)
    {
        var rng = new Random(11);
        var rows = new List<TopologySample>();
        for (int r = 0; r < count; r++)
        {
            var p = new float[2 * 20];
            for (int i = 0; i < p.Length; i++)
            {
                p[i] = (float)rng.NextDouble();
            }

            rows.Add(new TopologySample(p, 0, (r % 2).ToString(System.Globalization.CultureInfo.InvariantCulture)));
        }

        return new TopologyDataset(TopologyDataKind.PointClouds, rows, 2);
    }

    private string WriteTu(string a)
    {
        string folder = Path.Combine(_temp.Path, "TOY");
        Directory.CreateDirectory(folder);
        File.WriteAllText(Path.Combine(folder, "TOY_A.txt"), a);
        File.WriteAllText(Path.Combine(folder, "TOY_graph_indicator.txt"), "1\n1\n1\n2\n2\n");
        File.WriteAllText(Path.Combine(folder, "TOY_graph_labels.txt"), "-1\n1\n");
        return folder;
    }

    [Fact]
    public void Presets_ReproduceTheCliConstants()
    {
        Assert.Equal((CodensityKind.GaussianKde, 0.3f), (BifiltrationPreset.RipsKde.Codensity, BifiltrationPreset.RipsKde.CodensityParameter));
        Assert.Equal((CodensityKind.DistanceToMeasure, 0.1f), (BifiltrationPreset.RipsDtm.Codensity, BifiltrationPreset.RipsDtm.CodensityParameter));
        Assert.Equal((CodensityKind.KnnDistance, 5f), (BifiltrationPreset.RipsKnn.Codensity, BifiltrationPreset.RipsKnn.CodensityParameter));
        Assert.Equal((GraphVertexFunctionKind.HeatKernelSignature, GraphVertexFunctionKind.FormanRicci), (BifiltrationPreset.GraphHksRicci.First, BifiltrationPreset.GraphHksRicci.Second));
        Assert.Equal((GraphVertexFunctionKind.HeatKernelSignature, GraphVertexFunctionKind.Degree), (BifiltrationPreset.GraphHksDegree.First, BifiltrationPreset.GraphHksDegree.Second));
        Assert.Equal((GraphVertexFunctionKind.Degree, GraphVertexFunctionKind.Closeness), (BifiltrationPreset.GraphDegreeCloseness.First, BifiltrationPreset.GraphDegreeCloseness.Second));
        Assert.All(BifiltrationPreset.All.Where(p => p.ForGraphs), p => Assert.Equal((CodensityKind.DistanceToMeasure, 0.1f), (p.Codensity, p.CodensityParameter)));
        Assert.Same(BifiltrationPreset.RipsDtm, BifiltrationPreset.Default);
    }

    [Theory]
    [InlineData("rips-kde", "rips-kde")]
    [InlineData("RipsKnn", "rips-knn")]
    [InlineData("GRAPH-HKS-RICCI", "graph-hks-ricci")]
    public void TryParse_IgnoresCaseAndDashes(string text, string name)
    {
        Assert.True(BifiltrationPreset.TryParse(text, out BifiltrationPreset? preset));
        Assert.Equal(name, preset.Name);
        Assert.False(BifiltrationPreset.TryParse("nope", out _));
    }

    [Fact]
    public void CreateOptions_PicksTheInputAndRefusesAMismatch()
    {
        SignedMeasureOptions cloud = BifiltrationPreset.RipsKde.CreateOptions(Clouds(2));
        Assert.Equal(new PointCloudInput(2), cloud.Input);
        Assert.Equal((CodensityKind.GaussianKde, 0.3f), (cloud.Codensity, cloud.CodensityParameter));
        Assert.Equal(SignedMeasureOptions.Defaults.GridResolution, cloud.GridResolution);
        Assert.Equal(SignedMeasureOptions.Defaults.OutputResolutionFor(cloud.GridResolution), cloud.OutputResolution);
        Assert.Equal(200, cloud.OutputLength);

        TopologyDataset graphs = TopologyDataset.Load(WriteTu("1, 2\n2, 1\n2, 3\n4, 5\n"));
        var input = Assert.IsType<GraphInput>(BifiltrationPreset.GraphHksDegree.CreateOptions(graphs).Input);
        Assert.Equal((GraphVertexFunctionKind.HeatKernelSignature, GraphVertexFunctionKind.Degree), (input.First, input.Second));
        Assert.Throws<ArgumentException>(() => BifiltrationPreset.RipsDtm.CreateOptions(graphs));
        Assert.Throws<ArgumentException>(() => BifiltrationPreset.GraphHksRicci.CreateOptions(Clouds(2)));
    }

    [Fact]
    public void Load_ReadsTuGraphsThroughTheSharedReader()
    {
        TopologyDataset data = TopologyDataset.Load(WriteTu("1, 2\n2, 1\n3, 2\n4, 5\n"));
        Assert.Equal(TopologyDataKind.Graphs, data.Kind);
        Assert.Equal(["-1", "1"], data.Rows.Select(r => r.Label));
        Assert.Equal([3, 2], data.Rows.Select(r => r.NodeCount));
        Assert.Equal([0f, 1f, 1f, 2f], data.Rows[0].Values);
        Assert.Equal([0f, 1f], data.Rows[1].Values);
    }

    [Fact]
    public void Load_RejectsNodeIdZeroAndCrossGraphEdges_NamingFileAndLine()
    {
        var ex = Assert.Throws<GraphFormatException>(() => TopologyDataset.Load(WriteTu("1, 2\n0, 1\n")));
        Assert.EndsWith("TOY_A.txt", ex.FileName, StringComparison.Ordinal);
        Assert.Equal(2, ex.Line);

        ex = Assert.Throws<GraphFormatException>(() => TopologyDataset.Load(WriteTu("1, 2\n2, 3\n3, 4\n")));
        Assert.Equal(3, ex.Line);
        Assert.Contains("joins graphs 1 and 2", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void PointCloudReader_ReadsPointsAndLabelledClouds_NamingBadLines()
    {
        string points = Path.Combine(_temp.Path, "points.txt");
        File.WriteAllText(points, "# header\n0 0\n1,0\n\n1\t1\n");
        (float[] coords, int dim) = PointCloudReader.Read(points);
        Assert.Equal(2, dim);
        Assert.Equal([0f, 0f, 1f, 0f, 1f, 1f], coords);

        File.WriteAllText(points, "0 0\n1 x\n");
        var bad = Assert.Throws<DataFormatException>(() => PointCloudReader.Read(points));
        Assert.Equal((points, 2), (bad.FileName, bad.Line));

        string csv = Path.Combine(_temp.Path, "clouds.csv");
        File.WriteAllText(csv, "0,0,a\n1,1,a\n2,2,b\n3,3,b\n4,4,c\n");
        TopologyDataset data = TopologyDataset.Load(csv, pointsPerCloud: 2);
        Assert.Equal((TopologyDataKind.PointClouds, 2), (data.Kind, data.PointDimension));
        Assert.Equal(["a", "b"], data.Rows.Select(r => r.Label));
        Assert.Equal([2f, 2f, 3f, 3f], data.Rows[1].Values);
    }

    [Fact]
    public void Featurize_ReportsProgressPerBatchUntilEveryRow_AndMatchesRowByRow()
    {
        TopologyDataset data = Clouds(150);
        SignedMeasureOptions options = BifiltrationPreset.RipsDtm.CreateOptions(data) with { GridResolution = 8, OutputResolution = 4 };
        var reports = new List<FeaturizationProgress>();
        SignedMeasureFeatures result = SignedMeasureVectorization.Run(data, options, new SyncProgress(reports));
        Assert.Equal([64, 128, 150], reports.Select(r => r.Done));
        Assert.All(reports, r => Assert.Equal(150, r.Total));
        Assert.Equal(150, result.Features.Count);
        for (int i = 0; i < data.Rows.Count; i += 37)
        {
            Assert.Equal(result.Transformer.Featurize(data.Rows[i].Values), result.Features[i]);
        }
    }

    private sealed class SyncProgress(List<FeaturizationProgress> reports) : IProgress<FeaturizationProgress>
    {
        public void Report(FeaturizationProgress value) => reports.Add(value);
    }
}

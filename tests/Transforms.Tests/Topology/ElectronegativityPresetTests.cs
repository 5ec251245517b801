using Microsoft.ML.Data;
using Pipelines.Numerics.Topology;
using Pipelines.Transforms.Topology;
using Pipelines.Transforms.Topology.Data;
using Pipelines.Testing;
using Xunit;

namespace Pipelines.Transforms.Tests.Topology;

/// <summary>The molecular presets reading atomic numbers from node labels (COX2 recipe).</summary>
public sealed class ElectronegativityPresetTests
{
    // Small molecules as edge lists with atomic-number node labels: C–C–O, C–N–C–C, C–Cl, a C3 ring with an H.
    private static TopologyDataset Molecules(float badLabel = 8f) => new(
        TopologyDataKind.Graphs,
        [
            new TopologySample([0, 1, 1, 2], 3, "a") { NodeLabels = [6, 6, 8] },
            new TopologySample([0, 1, 1, 2, 2, 3], 4, "b") { NodeLabels = [6, 7, 6, badLabel] },
            new TopologySample([0, 1], 2, "a") { NodeLabels = [6, 17] },
            new TopologySample([0, 1, 1, 2, 0, 2, 2, 3], 4, "b") { NodeLabels = [6, 6, 6, 1] },
        ],
        0);

    [Fact]
    public void HksElectronegativity_FeaturizesAndSurvivesSaveAndLoad()
    {
        TopologyDataset data = Molecules();
        SignedMeasureOptions options = BifiltrationPreset.GraphHksElectronegativity.CreateOptions(data) with { GridResolution = 8, OutputResolution = 4 };
        Assert.Equal(new GraphInput(TopologyDataset.NodeCountColumnName, GraphVertexFunctionKind.HeatKernelSignature, GraphVertexFunctionKind.Electronegativity, NodeLabelColumnName: TopologyDataset.NodeLabelColumnName), options.Input);
        SignedMeasureTransformer t = SignedMeasureTransformer.Fit(options, data.Rows);

        // The second grid spans the fitted χ values: H 2.20 … O 3.44 (1% tails of 13 values drop nothing).
        Assert.InRange(t.SecondGrid.Values[0], 2.20f - 1e-5f, 2.20f + 1e-5f);
        Assert.InRange(t.SecondGrid.Values[^1], 3.44f - 1e-5f, 3.44f + 1e-5f);
        float[][] features = t.FeaturizeMany(data.Rows);
        Assert.NotEqual(features[0], features[2]);

        using var stream = new MemoryStream();
        t.Save(stream);
        stream.Position = 0;
        SignedMeasureTransformer loaded = SignedMeasureTransformer.Load(stream);
        Assert.Equal(options.Input, loaded.Options.Input);
        Assert.Equal(features[1], loaded.Featurize(data.Rows[1].Values, data.Rows[1].NodeCount, data.Rows[1].NodeLabels));
    }

    private sealed class MoleculeRow
    {
        [Microsoft.ML.Data.VectorType]
        public float[] Edges { get; set; } = [];

        public int Nodes { get; set; }

        [Microsoft.ML.Data.VectorType]
        public float[] Atoms { get; set; } = [];
    }

    [Fact]
    public void NodeLabelColumn_IsReadThroughTheDataView()
    {
        TopologyDataset data = Molecules();
        var ml = new Microsoft.ML.MLContext(seed: 1);
        var view = ml.Data.LoadFromEnumerable(data.Rows.Select(r => new MoleculeRow { Edges = r.Values, Nodes = r.NodeCount, Atoms = r.NodeLabels! }));
        var options = new SignedMeasureOptions
        {
            OutputColumnName = "Features",
            InputColumnName = "Edges",
            Input = new GraphInput("Nodes", GraphVertexFunctionKind.HeatKernelSignature, GraphVertexFunctionKind.Electronegativity, NodeLabelColumnName: "Atoms"),
            GridResolution = 8,
            OutputResolution = 4,
        };
        SignedMeasureTransformer t = ml.Transforms.Topology.SignedMeasure(options).Fit(view);
        float[][] viaView = [.. t.Transform(view).GetColumn<VBuffer<float>>("Features").Select(b => b.DenseValues().ToArray())];
        float[][] direct = t.FeaturizeMany(data.Rows);
        Assert.Equal(direct, viaView);
        Assert.Throws<ArgumentOutOfRangeException>(() => ml.Transforms.Topology.SignedMeasure(options with { Input = ((GraphInput)options.Input) with { NodeLabelColumnName = "Missing" } }).Fit(view));
    }

    [Fact]
    public void NodeLabelColumn_SurvivesModelSave_AndScoresThroughPredictionEngine()
    {
        TopologyDataset data = Molecules();
        var ml = new Microsoft.ML.MLContext(seed: 1);
        var view = ml.Data.LoadFromEnumerable(data.Rows.Select(r => new MoleculeRow { Edges = r.Values, Nodes = r.NodeCount, Atoms = r.NodeLabels! }));
        var input = new GraphInput("Nodes", GraphVertexFunctionKind.HeatKernelSignature, GraphVertexFunctionKind.Electronegativity, NodeLabelColumnName: "Atoms");
        SignedMeasureTransformer chi = ml.Transforms.Topology.SignedMeasure(new SignedMeasureOptions { OutputColumnName = "Features", InputColumnName = "Edges", Input = input, GridResolution = 8, OutputResolution = 4 }).Fit(view);
        MmaTransformer mma = ml.Transforms.Topology.ModuleApproximation(new MmaOptions { OutputColumnName = "Features", InputColumnName = "Edges", Input = input, Resolution = 4 }).Fit(view);
        foreach ((Microsoft.ML.ITransformer fitted, float[][] direct) in new (Microsoft.ML.ITransformer, float[][])[] { (chi, chi.FeaturizeMany(data.Rows)), (mma, mma.FeaturizeMany(data.Rows)) })
        {
            // The saved chain (constant state column + label-reading custom mapping) gives the fitted transformer's values,
            // which are the direct features of each molecule.
            float[][] transformed = [.. fitted.Transform(view).GetColumn<VBuffer<float>>("Features").Select(b => b.DenseValues().ToArray())];
            Assert.Equal(direct, transformed);
            Assert.NotEqual(transformed[0], transformed[2]);
            EstimatorWorkout.CheckMlNetConventions<MoleculeRow>(fitted, view);
        }
    }

    [Fact]
    public void UnknownAtomLabel_IsNamedWithItsLine()
    {
        // Graph 2's fourth node is line 3 + 4 = 7 of DS_node_labels.txt.
        DataFormatException e = Assert.Throws<DataFormatException>(() => BifiltrationPreset.GraphElectronegativityDegree.CreateOptions(Molecules(badLabel: 99f)));
        Assert.Contains(":7:", e.Message, StringComparison.Ordinal);
        Assert.Contains("99", e.Message, StringComparison.Ordinal);
        Assert.Contains("graph 2, node 4", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void ElectronegativityWithoutLabels_IsRefused()
    {
        Assert.Throws<ArgumentException>(() => new GraphInput("Nodes", GraphVertexFunctionKind.HeatKernelSignature, GraphVertexFunctionKind.Electronegativity).Validate());
        var options = new SignedMeasureOptions { OutputColumnName = "F", Input = new GraphInput("Nodes", GraphVertexFunctionKind.Electronegativity, GraphVertexFunctionKind.Degree, NodeLabelColumnName: "L") };
        SignedMeasureTransformer t = SignedMeasureTransformer.Fit(options, Molecules().Rows);
        Assert.ThrowsAny<Exception>(() => t.Featurize([0, 1], 2));
    }
}

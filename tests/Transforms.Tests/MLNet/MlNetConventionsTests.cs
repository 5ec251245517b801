using Microsoft.ML;
using Microsoft.ML.Data;
using Pipelines.Testing;
using Pipelines.Transforms.Graphs.MLNet;
using Xunit;
using Xunit.Abstractions;

namespace Pipelines.Transforms.Tests.MLNet;

public sealed class MlNetConventionsTests(ITestOutputHelper output)
{
    [Fact]
    public void EveryEstimatorAndTransformer_HasASaveLoadAndPredictionEngineWorkout()
    {
        foreach (string line in EstimatorWorkout.CheckCoverage(typeof(Pipelines.Transforms.Topology.SignedMeasureEstimator).Assembly, typeof(MlNetConventionsTests).Assembly))
        {
            output.WriteLine(line);
        }
    }

    [Fact]
    public void SaveAtomically_AFailedSaveLeavesNoFile_AndKeepsAnOldOne()
    {
        var ml = new MLContext(seed: 1);
        IDataView data = ml.Data.LoadFromEnumerable(new[] { new ValueRow { X = 1 } });
        ITransformer saveable = ml.Transforms.CopyColumns("Y", "X").Fit(data);
        EstimatorWorkout.CheckFailedSaveLeavesNoFile(new FailingTransformer(saveable), saveable, data);
    }

    [Fact]
    public void GraphScoringMappings_LiveInTransforms_NotInTrainers()
    {
        // A scoring-only app loads a saved graph model with Pipelines.Transforms (+ Onnx, Numerics): every custom mapping a
        // graph chain saves (GINE scoring, ONNX-backed encodings, GraphEncodingTransformer) is defined here.
        Type[] mappings =
        [
            typeof(GraphStructureMapping), typeof(GraphSpectrumMapping), typeof(GraphRegressionScoreMapping), typeof(GraphBinaryScoreMapping),
            typeof(GraphPredictedIndexMapping), typeof(GraphNodeCountMapping), typeof(GraphEncodingMapping),
        ];
        Assert.All(mappings, t => Assert.Equal("Pipelines.Transforms", t.Assembly.GetName().Name));
        Assert.DoesNotContain(typeof(GraphDataViewType).Assembly.GetReferencedAssemblies(), a => a.Name == "Pipelines.Trainers");
    }

    private sealed class ValueRow
    {
        public float X { get; set; }
    }

    /// <summary>Transforms like <c>inner</c> but fails to save after ML.NET has started writing.</summary>
    private sealed class FailingTransformer(ITransformer inner) : ITransformer
    {
        public bool IsRowToRowMapper => inner.IsRowToRowMapper;

        public DataViewSchema GetOutputSchema(DataViewSchema inputSchema) => inner.GetOutputSchema(inputSchema);

        public IRowToRowMapper GetRowToRowMapper(DataViewSchema inputSchema) => inner.GetRowToRowMapper(inputSchema);

        public IDataView Transform(IDataView input) => inner.Transform(input);

        void ICanSaveModel.Save(ModelSaveContext ctx) => throw new InvalidOperationException("this transformer cannot be saved");
    }
}

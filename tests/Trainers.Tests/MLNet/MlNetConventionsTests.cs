using Microsoft.ML.Transforms;
using Pipelines.Testing;
using Xunit;
using Xunit.Abstractions;

namespace Pipelines.Trainers.Tests.MLNet;

public sealed class MlNetConventionsTests(ITestOutputHelper output)
{
    [Fact]
    public void EveryEstimatorAndTransformer_HasASaveLoadAndPredictionEngineWorkout()
    {
        foreach (string line in EstimatorWorkout.CheckCoverage(typeof(Pipelines.Trainers.Graphs.GraphModel).Assembly, typeof(MlNetConventionsTests).Assembly))
        {
            output.WriteLine(line);
        }
    }

    [Fact]
    public void NoGraphScoringMappingLivesInTrainers()
    {
        // A scoring-only app loads a saved graph model without Pipelines.Trainers: the only custom mapping defined here is
        // the text tokenizer's; every graph chain's mappings are in Pipelines.Transforms.
        string[] mappings = [.. typeof(Pipelines.Trainers.Graphs.GraphModel).Assembly.GetTypes()
            .Where(t => t.GetCustomAttributes(typeof(CustomMappingFactoryAttributeAttribute), inherit: false).Length > 0)
            .Select(t => t.Name)];
        Assert.Equal(["TokenizationMapping"], mappings);
    }
}

using Pipelines.Testing;
using Pipelines.Transforms.Topology.Data;
using Xunit;
using Xunit.Abstractions;

namespace Pipelines.Transforms.Tests.Fuzzing;

/// <summary>Issue 19 fuzz suite, point CSV files (topo persistence points, labelled clouds): a seeded mutation corpus; every outcome is success or a typed PipelinesException.</summary>
public sealed class PointCsvFuzzTests(ITestOutputHelper output)
{
    [Fact]
    public void MutatedInputs_SucceedOrFailTyped()
    {
        using var dir = new TempDirectory();
        string summary = FuzzSuite.Check("point csv", FuzzInputs.PointCsv(), bytes =>
        {
            string path = dir.File($"m{Guid.NewGuid():N}.csv");
            File.WriteAllBytes(path, bytes);
            PointCloudReader.Read(path);
            TopologyDataset.Load(path, pointsPerCloud: 8);
        });
        output.WriteLine(summary);
    }
}

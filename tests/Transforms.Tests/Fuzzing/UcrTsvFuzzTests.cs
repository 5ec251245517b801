using Pipelines.Testing;
using Pipelines.Transforms.Topology.Data;
using Xunit;
using Xunit.Abstractions;

namespace Pipelines.Transforms.Tests.Fuzzing;

/// <summary>Issue 19 fuzz suite, UCR .tsv files: a seeded mutation corpus; every outcome is success or a typed PipelinesException.</summary>
public sealed class UcrTsvFuzzTests(ITestOutputHelper output)
{
    [Fact]
    public void MutatedInputs_SucceedOrFailTyped()
    {
        using var dir = new TempDirectory();
        string summary = FuzzSuite.Check("ucr tsv", FuzzInputs.UcrTsv(), bytes =>
        {
            string path = dir.File($"m{Guid.NewGuid():N}.tsv");
            File.WriteAllBytes(path, bytes);
            TopologyDataset.Load(path);
        });
        output.WriteLine(summary);
    }
}

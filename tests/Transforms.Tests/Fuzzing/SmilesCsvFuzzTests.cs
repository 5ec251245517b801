using Pipelines.Testing;
using Pipelines.Transforms.Graphs.Datasets;
using Xunit;
using Xunit.Abstractions;

namespace Pipelines.Transforms.Tests.Fuzzing;

/// <summary>Issue 19 fuzz suite, SMILES CSV files: a seeded mutation corpus; every outcome is success or a typed PipelinesException.</summary>
public sealed class SmilesCsvFuzzTests(ITestOutputHelper output)
{
    [Fact]
    public void MutatedInputs_SucceedOrFailTyped()
    {
        using var dir = new TempDirectory();
        string summary = FuzzSuite.Check("smiles csv", FuzzInputs.SmilesCsv(), bytes =>
        {
            string path = dir.File($"m{Environment.CurrentManagedThreadId}_{Guid.NewGuid():N}.csv");
            File.WriteAllBytes(path, bytes);
            GraphDataset.Load(path);
        });
        output.WriteLine(summary);
    }
}

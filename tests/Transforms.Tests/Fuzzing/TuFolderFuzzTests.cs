using Pipelines.Testing;
using Pipelines.Transforms.Graphs.Datasets;
using Pipelines.Transforms.Topology.Data;
using Xunit;
using Xunit.Abstractions;

namespace Pipelines.Transforms.Tests.Fuzzing;

/// <summary>Issue 19 fuzz suite, TU data set folders (graph and topo readers): a seeded mutation corpus; every outcome is success or a typed PipelinesException.</summary>
public sealed class TuFolderFuzzTests(ITestOutputHelper output)
{
    [Fact]
    public void MutatedInputs_SucceedOrFailTyped()
    {
        using var dir = new TempDirectory();
        Dictionary<string, byte[]> files = FuzzInputs.TuFiles();
        string[] names = [.. files.Keys.Order(StringComparer.Ordinal)];
        int index = 0;

        // Each file of the folder gets its share of the cases; the other files stay valid.
        var results = new List<FuzzResult>();
        for (int f = 0; f < names.Length; f++)
        {
            results.AddRange(Fuzz.Run(Fuzz.Corpus(files[names[f]], FuzzSuite.Cases / names.Length, 1 + (f * 1000), text: true), c =>
            {
                string folder = Path.Combine(dir.Path, $"case{index++}", "DS");
                Directory.CreateDirectory(folder);
                foreach (string name in names)
                {
                    File.WriteAllBytes(Path.Combine(folder, name), name == names[f] ? c.Bytes : files[name]);
                }

                GraphDataset.Load(folder);
                TopologyDataset.Load(folder);
            }, FuzzSuite.PerCase));
        }

        Fuzz.AssertNoInternalOrHang("tu folder", results);
        output.WriteLine($"{results.Count} cases: {Fuzz.Summary(results)}");
    }
}

using Pipelines.Testing;
using Pipelines.Transforms.LowRank;
using Pipelines.Transforms.Tests.LowRank;
using Xunit;
using Xunit.Abstractions;

namespace Pipelines.Transforms.Tests.Fuzzing;

/// <summary>Issue 19 fuzz suite, safetensors adapter files: a seeded mutation corpus; every outcome is success or a typed PipelinesException.</summary>
public sealed class SafeTensorsFuzzTests(ITestOutputHelper output)
{
    [Fact]
    public void MutatedInputs_SucceedOrFailTyped()
    {
        using var dir = new TempDirectory();
        string original = dir.File("orig.safetensors");
        SafeTensorsFile.Write(original, SafeTensorsReaderTests.Sample(), new Dictionary<string, string> { ["format"] = "pt" });
        string summary = FuzzSuite.Check("safetensors", File.ReadAllBytes(original), bytes =>
        {
            string path = dir.File($"m{Guid.NewGuid():N}.safetensors");
            File.WriteAllBytes(path, bytes);
            SafeTensorsFile.Read(path);
        }, text: false);
        output.WriteLine(summary);
    }
}

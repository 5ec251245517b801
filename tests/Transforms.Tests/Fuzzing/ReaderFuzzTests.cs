using Pipelines.Testing;
using Xunit;
using Xunit.Abstractions;

namespace Pipelines.Transforms.Tests.Fuzzing;

/// <summary>
/// Issue 19 fuzz suite for the readers of Pipelines.Transforms (<see cref="FuzzKinds"/>): seeded mutations of each input kind; every
/// outcome is success or a typed PipelinesException, within the per-case time limit.
/// </summary>
public sealed class ReaderFuzzTests(ITestOutputHelper output)
{
    [Theory]
    [InlineData("tu folder")]
    [InlineData("smiles csv")]
    [InlineData("point csv")]
    [InlineData("ucr tsv")]
    [InlineData("safetensors")]
    public void MutatedInputs_SucceedOrFailTyped(string kind) => output.WriteLine(FuzzSuite.Check(kind));
}

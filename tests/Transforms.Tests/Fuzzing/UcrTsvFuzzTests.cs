using Pipelines.Testing;
using Xunit;
using Xunit.Abstractions;

namespace Pipelines.Transforms.Tests.Fuzzing;

/// <summary>Issue 19 fuzz suite, kind "ucr tsv" (<see cref="FuzzKinds"/>): seeded mutations; every outcome is success or a typed PipelinesException.</summary>
public sealed class UcrTsvFuzzTests(ITestOutputHelper output)
{
    [Fact]
    public void MutatedInputs_SucceedOrFailTyped() => output.WriteLine(FuzzSuite.Check("ucr tsv"));
}

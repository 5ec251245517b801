using Pipelines.Testing;

namespace Pipelines.Export.Tests;

public sealed class PublicApiTests
{
    /// <summary>
    /// The public surface of Pipelines.Export equals PublicApi/Pipelines.Export.txt; after an intended change run
    /// <c>UPDATE_PUBLIC_API=1 dotnet test tests/Export.Tests/Export.Tests.csproj -c Release --filter PublicApi</c> and commit the file.
    /// </summary>
    [Fact]
    public void PublicApi_MatchesTheCheckedInSnapshot() => PublicApiSnapshot.Verify(typeof(Pipelines.Export.OnnxExporter).Assembly);
}
